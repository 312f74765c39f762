import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { configGetter } from '../shared/config.js';
import { createIotDataClient, iotDataEndpointSchema } from '../shared/iot-data.js';
import { logger, metrics } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';
import { IotSiteJobPublisher } from './adapters/iot-site-jobs.js';
import { type ForwardDeps, forwardSiteJobs } from './forward.js';

const config = configGetter(
  z.object({
    IOT_DATA_ENDPOINT: iotDataEndpointSchema,
  }),
);

let deps: ForwardDeps | undefined;

function forwardRuntime(): ForwardDeps {
  if (deps) return deps;
  const { IOT_DATA_ENDPOINT } = config();
  deps = {
    publisher: new IotSiteJobPublisher(createIotDataClient(IOT_DATA_ENDPOINT)),
    log: logger,
  };
  return deps;
}

/**
 * Consumer of the site job queue (SQS event source with ReportBatchItemFailures): each job goes to the `jobs` topic
 * of the site its `siteId` attribute names; each message that could not go is reported alone, so the rest of the batch is not redelivered.
 */
export const handler = taskHandler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const result = await forwardSiteJobs(event.Records, forwardRuntime());
  metrics.addMetric('SiteJobsForwarded', MetricUnit.Count, result.forwarded);
  for (const [reason, count] of Object.entries(result.rejected)) {
    if (count > 0) metrics.addMetric(`SiteJobsRejected_${reason}`, MetricUnit.Count, count);
  }
  return { batchItemFailures: result.batchItemFailures };
});
