import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { workloadEventSchema } from '../../../core/routing/workload-events.js';
import { parseWith } from '../../../core/support/validation.js';
import { WEBHOOK_RETRY } from '../../../core/webhooks/retry.js';
import { configGetter } from '../../shared/config.js';
import { documentClient } from '../../shared/data/client.js';
import { DynamoWebhookStore } from '../../shared/data/webhook-store.js';
import { logger, metrics } from '../../shared/powertools.js';
import { taskHandler } from '../../switching/task-handler.js';
import { type DeliverDeps, type DeliveryOutcome, deliverWorkloadEvent } from './deliver.js';
import { fetchHttp } from './fetch-http.js';

/**
 * The webhook delivery Lambda, consumer of the workload-events SQS queue (ReportBatchItemFailures). Each record is
 * one WorkloadEvent: delivered, skipped, or given up are done with; a retryable failure (and a record that does not
 * parse, or a store error) is a batch item failure, so SQS shows it again after its visibility timeout and moves it
 * to the DLQ after maxReceiveCount. A retry older than WEBHOOK_RETRY.maxAgeMs is given up instead.
 */
export interface DeliverBatchDeps extends DeliverDeps {
  readonly log: Pick<typeof logger, 'info' | 'warn' | 'error'>;
  /** Counts each record's outcome (`delivered`, `retry`, `gave-up`, `skipped`, `malformed`, `error`). */
  count(outcome: string): void;
}

type RecordResult = 'done' | 'failed';

async function deliverRecord(record: SQSRecord, deps: DeliverBatchDeps): Promise<RecordResult> {
  const messageId = record.messageId;
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch (error) {
    deps.count('malformed');
    deps.log.error('webhook event is not JSON', { messageId, field: 'body', message: (error as Error).message });
    return 'failed';
  }
  const parsed = parseWith(workloadEventSchema, json);
  if (!parsed.ok) {
    deps.count('malformed');
    deps.log.error('webhook event is not a WorkloadEvent', {
      messageId,
      field: parsed.issues[0]?.field,
      issues: parsed.issues,
    });
    return 'failed';
  }
  const event = parsed.value;
  let outcome: DeliveryOutcome;
  try {
    outcome = await deliverWorkloadEvent(event, deps);
  } catch (error) {
    deps.count('error');
    deps.log.error('webhook delivery failed before sending', { messageId, eventId: event.id, error: error as Error });
    return 'failed';
  }
  const context = { messageId, eventId: event.id, tenantId: event.tenantId, receiveCount: receiveCount(record) };
  if (outcome.status === 'retry') {
    const ageMs = deps.clock.nowMs() - Number(record.attributes.SentTimestamp);
    if (ageMs <= WEBHOOK_RETRY.maxAgeMs) {
      deps.count('retry');
      deps.log.warn('webhook delivery will be retried', { ...context, ...outcome });
      return 'failed';
    }
    deps.count('gave-up');
    deps.log.error('webhook delivery given up: too old to retry', { ...context, ...outcome, ageMs });
    return 'done';
  }
  deps.count(outcome.status);
  if (outcome.status === 'gave-up')
    deps.log.warn('webhook delivery refused by the receiver', { ...context, ...outcome });
  else deps.log.info(`webhook ${outcome.status}`, { ...context, ...outcome });
  return 'done';
}

const receiveCount = (record: SQSRecord) => Number(record.attributes.ApproximateReceiveCount);

export async function deliverBatch(event: SQSEvent, deps: DeliverBatchDeps): Promise<SQSBatchResponse> {
  // Records are independent tenants' events: deliver them side by side, each bounded by the 5 s timeout.
  const results = await Promise.all(event.Records.map((record) => deliverRecord(record, deps)));
  const batchItemFailures: SQSBatchItemFailure[] = event.Records.filter((_, i) => results[i] === 'failed').map(
    (record) => ({ itemIdentifier: record.messageId }),
  );
  return { batchItemFailures };
}

const config = configGetter(z.object({ TABLE_NAME: z.string().min(1) }));
let deps: DeliverBatchDeps | undefined;

function deliverRuntime(): DeliverBatchDeps {
  deps ??= {
    webhooks: new DynamoWebhookStore({ client: documentClient(), tableName: config().TABLE_NAME }),
    http: fetchHttp,
    clock: { nowMs: () => Date.now() },
    log: logger,
    count: (outcome) => metrics.addMetric(`Webhook_${outcome}`, MetricUnit.Count, 1),
  };
  return deps;
}

/** Entry of the delivery Lambda (env TABLE_NAME); the SQS event source needs `reportBatchItemFailures: true`. */
export const handler = taskHandler(async (event: SQSEvent) => deliverBatch(event, deliverRuntime()));
