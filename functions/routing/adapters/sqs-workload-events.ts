import { z } from 'zod';
import type { WorkloadEvent } from '../../../core/routing/workload-events.js';
import { readConfig } from '../../shared/config.js';
import type { WorkloadEventsPort } from '../ports.js';
import { type SqsSender, sendJson } from './sqs-json.js';

/** `WORKLOAD_EVENTS_QUEUE_URL`: the queue the webhook delivery Lambda drains. */
export const workloadEventsConfigSchema = z.object({ WORKLOAD_EVENTS_QUEUE_URL: z.url() });

export function readWorkloadEventsQueueUrl(env: NodeJS.ProcessEnv = process.env): string {
  return readConfig(workloadEventsConfigSchema, env).WORKLOAD_EVENTS_QUEUE_URL;
}

/**
 * Hands workload events to webhook delivery through SQS. Whether the tenant has a webhook is the delivery side's
 * question, so an event is always enqueued; only SQS refusing the message throws.
 */
export class SqsWorkloadEvents implements WorkloadEventsPort {
  constructor(
    private readonly client: SqsSender,
    private readonly queueUrl: string,
  ) {}

  async notify(event: WorkloadEvent): Promise<void> {
    await sendJson(this.client, this.queueUrl, event, {
      eventId: event.id,
      type: event.type,
      tenantId: event.tenantId,
    });
  }
}
