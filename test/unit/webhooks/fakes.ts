import type { WorkloadEvent } from '../../../core/routing/workload-events.js';
import { ManualClock } from '../../../core/support/clock.js';
import type { StoredWebhook } from '../../../core/webhooks/config.js';
import type { HttpPort, HttpPostResult } from '../../../functions/routing/webhooks/deliver.js';
import type { WebhookSource } from '../../../functions/shared/data/webhook-store.js';

export const T0_MS = Date.parse('2026-11-29T02:00:00.000Z');
export const SECRET = `whsec_${'s'.repeat(43)}`;

export const webhookOf = (change: Partial<StoredWebhook> = {}): StoredWebhook => ({
  tenantId: 'acme',
  url: 'https://hooks.acme.example/hcp',
  events: ['workload.queued', 'workload.preempted', 'workload.completed', 'workload.failed'],
  createdAt: '2026-11-29T00:00:00.000Z',
  updatedAt: '2026-11-29T00:00:00.000Z',
  secret: SECRET,
  ...change,
});

export const eventOf = (change: Partial<WorkloadEvent> = {}): WorkloadEvent => ({
  id: 'w1:1:workload.preempted',
  type: 'workload.preempted',
  tenantId: 'acme',
  workloadId: 'w1',
  attempt: 1,
  occurredAt: '2026-11-29T01:59:00.000Z',
  siteId: 'site-a',
  reason: 'capacity',
  ...change,
});

export const fakeWebhooks = (webhooks: StoredWebhook[]): WebhookSource => ({
  get: async (tenantId) => webhooks.find((w) => w.tenantId === tenantId),
});

export interface SentRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
}

/** Answers from a script (the last answer repeats) and records what was sent; each call advances the clock. */
export function scriptedHttp(answers: HttpPostResult[], clock?: ManualClock, latencyMs = 40) {
  const sent: SentRequest[] = [];
  const http: HttpPort = {
    post: async (url, body, headers, timeoutMs) => {
      sent.push({ url, body, headers, timeoutMs });
      clock?.advanceMs(latencyMs);
      return answers[Math.min(sent.length - 1, answers.length - 1)]!;
    },
  };
  return { http, sent };
}

export const status = (statusCode: number): HttpPostResult => ({ kind: 'response', statusCode });
export const newClock = () => new ManualClock(T0_MS);
