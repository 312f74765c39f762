import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { logger } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';
import { ingestTelemetryBatch } from './ingest.js';
import { telemetryRuntime } from './runtime.js';

/**
 * Consumer of the per-device telemetry queue (filled by the IoT rule on `hcp/v1/sites/+/telemetry`). Each failed
 * message is reported alone, so the rest of the batch is not redelivered; the queue dead-letters repeat failures.
 */
export const handler = taskHandler(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      await ingestTelemetryBatch(JSON.parse(record.body), telemetryRuntime());
    } catch (error) {
      logger.error('telemetry batch not ingested', { messageId: record.messageId, error: error as Error });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
});
