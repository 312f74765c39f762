import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { workloadEventSchema } from '../../../core/routing/workload-events.js';
import { systemClock } from '../../../core/support/clock.js';
import type { Rng } from '../../../core/support/random.js';
import { parseWith } from '../../../core/support/validation.js';
import { nextWebhookRetry } from '../../../core/webhooks/retry.js';
import { configGetter } from '../../shared/config.js';
import { documentClient } from '../../shared/data/client.js';
import { DynamoWebhookStore } from '../../shared/data/webhook-store.js';
import { logger, metrics, traced } from '../../shared/powertools.js';
import { taskHandler } from '../../shared/task-handler.js';
import { type DeliverDeps, type DeliveryOutcome, deliverWorkloadEvent } from './deliver.js';
import { pinnedHttp } from './pinned-http.js';

/**
 * The webhook delivery Lambda, consumer of the workload-events SQS queue (ReportBatchItemFailures). Each record is
 * one WorkloadEvent: delivered, skipped, or given up are done with; a retryable failure (and a record that does not
 * parse, or a store error) is a batch item failure, so SQS shows it again and moves it to the DLQ after
 * maxReceiveCount. A retryable delivery waits as the local platform's does: the retry schedule
 * (core/webhooks/retry.ts, attempts = ApproximateReceiveCount, age from SentTimestamp) sets the message's visibility
 * timeout, and a delivery past the schedule is given up.
 */
export interface DeliverBatchDeps extends DeliverDeps {
  readonly log: Pick<typeof logger, 'info' | 'warn' | 'error'>;
  readonly rng: Rng;
  /** Hides the record for `delaySeconds` before SQS shows it again (ChangeMessageVisibility). */
  delay(record: SQSRecord, delaySeconds: number): Promise<void>;
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
    const next = nextWebhookRetry(
      receiveCount(record),
      Number(record.attributes.SentTimestamp),
      deps.clock.nowMs(),
      deps.rng,
    );
    if (!next.retry) {
      deps.count('gave-up');
      deps.log.error(`webhook delivery given up: ${next.reason}`, { ...context, ...outcome });
      return 'done';
    }
    deps.count('retry');
    deps.log.warn('webhook delivery will be retried', { ...context, ...outcome, delayMs: next.delayMs });
    // SQS counts visibility in whole seconds; at least 1 s. A failure here leaves the queue's own timeout.
    await deps
      .delay(record, Math.max(1, Math.ceil(next.delayMs / 1000)))
      .catch((error: unknown) => deps.log.warn('could not set the retry delay', { ...context, error: error as Error }));
    return 'failed';
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

/** The queue URL of a record, from its queue's ARN (`arn:aws:sqs:<region>:<account>:<name>`). */
export function queueUrlOf(record: SQSRecord): string {
  const [, , , region, account, name] = record.eventSourceARN.split(':');
  return `https://sqs.${region}.amazonaws.com/${account}/${name}`;
}

const config = configGetter(z.object({ TABLE_NAME: z.string().min(1) }));
let deps: DeliverBatchDeps | undefined;

function deliverRuntime(): DeliverBatchDeps {
  if (deps) return deps;
  const sqs = traced(new SQSClient({}));
  deps = {
    webhooks: new DynamoWebhookStore({ client: documentClient(), tableName: config().TABLE_NAME }),
    http: pinnedHttp(),
    clock: systemClock,
    log: logger,
    rng: { next: Math.random },
    delay: async (record, delaySeconds) => {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrlOf(record),
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: delaySeconds,
        }),
      );
    },
    count: (outcome) => metrics.addMetric(`Webhook_${outcome}`, MetricUnit.Count, 1),
  };
  return deps;
}

/**
 * Entry of the delivery Lambda (env TABLE_NAME). Its SQS event source needs `reportBatchItemFailures: true`; the
 * consume grant covers sqs:ChangeMessageVisibility. The queue's maxReceiveCount should be at least
 * WEBHOOK_RETRY.maxRetries + 1, or the DLQ takes a message before the schedule gives it up.
 */
export const handler = taskHandler(async (event: SQSEvent) => deliverBatch(event, deliverRuntime()));
