import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { configGetter } from '../shared/config.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoGpuNodeStore } from '../shared/data/gpu-node-store.js';
import { logger, metrics } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';
import { storeGpuNodeReport } from './store-report.js';

const config = configGetter(z.object({ TABLE_NAME: z.string().min(1) }));
let store: DynamoGpuNodeStore | undefined;

/**
 * Target of the IoT rule on `hcp/v1/sites/+/gpu-nodes` (only reports naming the site of their topic): the site's latest
 * GPU node inventory and health into the table. A malformed report is logged and counted, not retried (it would never
 * succeed); storage errors throw, so the async invocation retries and then dead-letters.
 */
export const handler = taskHandler(async (event: unknown) => {
  store ??= new DynamoGpuNodeStore({ client: documentClient(), tableName: config().TABLE_NAME });
  const outcome = await storeGpuNodeReport(store, event, Date.now());
  if (!outcome.ok) {
    logger.warn('GPU node report refused', { issues: outcome.issues });
    metrics.addMetric('GpuNodeReportsRefused', MetricUnit.Count, 1);
    return outcome.error;
  }
  metrics.addMetric(`GpuNodeReports_${outcome.effect}`, MetricUnit.Count, 1);
  return outcome.effect;
});
