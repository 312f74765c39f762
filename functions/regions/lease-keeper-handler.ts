import { LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { systemClock } from '../../core/support/clock.js';
import { configGetter } from '../shared/config.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoSiteLeaseStore } from '../shared/data/site-lease-store.js';
import { DynamoSiteRegistryStore } from '../shared/data/site-registry-store.js';
import { logger, traced } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';
import { LambdaStreamConsumers } from './adapters/lambda-stream-consumers.js';
import { keepLeases } from './keep-leases.js';

const config = configGetter(
  z.object({
    TABLE_NAME: z.string().min(1),
    LEASE_TABLE_NAME: z.string().min(1),
    /** The region that creates leases not taken yet. */
    PRIMARY_REGION: z.string().min(1),
    AWS_REGION: z.string().min(1),
    /** This region's table-stream event source mappings (UUIDs, comma-separated), switched with the leases. */
    STREAM_MAPPING_IDS: z
      .string()
      .default('')
      .transform((ids) => ids.split(',').filter(Boolean)),
  }),
);

const lambda = traced(new LambdaClient({}));

/** Scheduler target, every minute: see keep-leases.ts. */
export const handler = taskHandler(async () => {
  const { TABLE_NAME, LEASE_TABLE_NAME, PRIMARY_REGION, AWS_REGION, STREAM_MAPPING_IDS } = config();
  const client = documentClient();
  const leases = new DynamoSiteLeaseStore({
    client,
    tableName: LEASE_TABLE_NAME,
    region: AWS_REGION,
    clock: systemClock,
  });
  const registry = new DynamoSiteRegistryStore({ client, tableName: TABLE_NAME });
  const result = await keepLeases(
    {
      siteIds: async () => (await registry.list()).map((r) => r.config.id),
      keep: (siteId, options) => leases.keep(siteId, options),
      ...(STREAM_MAPPING_IDS.length > 0
        ? { streamConsumers: new LambdaStreamConsumers(lambda, STREAM_MAPPING_IDS) }
        : {}),
    },
    AWS_REGION === PRIMARY_REGION,
  );
  if (result.taken.length > 0) logger.warn('took site leases', { taken: result.taken });
  if (result.streamConsumers?.changed) logger.warn('switched stream consumers', result.streamConsumers);
  return result;
});
