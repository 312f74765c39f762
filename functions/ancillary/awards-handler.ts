import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { stepFunctionsSwitchFlows } from '../api/switch-flows.js';
import { RegistryFleetSource } from '../optimizer/adapters/registry-fleet-source.js';
import { configGetter } from '../shared/config.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoSiteRegistryStore } from '../shared/data/site-registry-store.js';
import { logger, metrics } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';
import { type ReceiveAwardsDeps, receiveAwardBatch } from './receive-awards.js';

const config = configGetter(z.object({ TABLE_NAME: z.string().min(1) }));

let deps: ReceiveAwardsDeps | undefined;

function awardsRuntime(): ReceiveAwardsDeps {
  if (deps) return deps;
  const { TABLE_NAME } = config();
  const fleet = new RegistryFleetSource(
    new DynamoSiteRegistryStore({ client: documentClient(), tableName: TABLE_NAME }),
  );
  deps = { sites: async () => (await fleet.load()).sites, switchFlows: stepFunctionsSwitchFlows() };
  return deps;
}

/**
 * Consumer of the awards queue (SQS event source with ReportBatchItemFailures): each QSE award message mapped to the
 * registry's sites and armed through their SwitchFlows (receive-awards.ts); a refused or failed message is reported
 * alone and dead-letters after the queue's maxReceiveCount.
 */
export const handler = taskHandler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const result = await receiveAwardBatch(event.Records, { ...awardsRuntime(), log: logger });
  metrics.addMetric('AwardSitesArmed', MetricUnit.Count, result.armedSites);
  metrics.addMetric('AwardMessagesRefused', MetricUnit.Count, result.refused);
  metrics.addMetric('AwardMessagesFailed', MetricUnit.Count, result.failed);
  return { batchItemFailures: result.batchItemFailures };
});
