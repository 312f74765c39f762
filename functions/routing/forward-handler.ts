import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { siteIdSchema } from '../../core/support/schema.js';
import { configGetter } from '../shared/config.js';
import { createIotDataClient, iotDataEndpointSchema } from '../shared/iot-data.js';
import { logger, metrics } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';
import { IotSiteJobPublisher } from './adapters/iot-site-jobs.js';
import { jsonText } from './adapters/sqs-site-queue.js';
import { type ForwardDeps, forwardSiteJobs } from './forward.js';

const config = configGetter(
  z.object({
    IOT_DATA_ENDPOINT: iotDataEndpointSchema,
    /** Queue ARN → site id (JSON), set by the CDK construct. @default the message's `siteId` attribute alone */
    SITE_QUEUE_ARNS: jsonText(z.record(z.string().startsWith('arn:'), siteIdSchema)).default({}),
  }),
);

let deps: ForwardDeps | undefined;

function forwardRuntime(): ForwardDeps {
  if (deps) return deps;
  const { IOT_DATA_ENDPOINT, SITE_QUEUE_ARNS } = config();
  deps = {
    publisher: new IotSiteJobPublisher(createIotDataClient(IOT_DATA_ENDPOINT)),
    siteByQueueArn: SITE_QUEUE_ARNS,
    log: logger,
  };
  return deps;
}

/**
 * Consumer of the per-site job queues (SQS event source with ReportBatchItemFailures): each job goes to its site's
 * `jobs` topic; each message that could not go is reported alone, so the rest of the batch is not redelivered.
 */
export const handler = taskHandler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const result = await forwardSiteJobs(event.Records, forwardRuntime());
  metrics.addMetric('SiteJobsForwarded', MetricUnit.Count, result.forwarded);
  for (const [reason, count] of Object.entries(result.rejected)) {
    if (count > 0) metrics.addMetric(`SiteJobsRejected_${reason}`, MetricUnit.Count, count);
  }
  return { batchItemFailures: result.batchItemFailures };
});
