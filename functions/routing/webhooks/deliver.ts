import type { WorkloadEvent } from '../../../core/routing/workload-events.js';
import type { Clock } from '../../../core/support/clock.js';
import {
  classifyResponse,
  DELIVERY_TIMEOUT_MS,
  deliveryHeaders,
  type OutgoingDelivery,
} from '../../../core/webhooks/delivery.js';
import type { WebhookSource } from '../../shared/data/webhook-store.js';

/**
 * Delivering one workload event to its tenant's webhook: load the config, skip when there is none or the event type
 * is not subscribed, else POST the signed JSON once and say what the answer means. Retrying is the caller's: SQS
 * redelivery in AWS (deliver-handler.ts), timers on the local platform (local-events.ts).
 */
export type HttpPostResult =
  | { readonly kind: 'response'; readonly statusCode: number }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'network-error'; readonly message: string };

/** An HTTP client that never throws for a receiver's failure: it becomes a value. pinned-http.ts in production. */
export interface HttpPort {
  post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpPostResult>;
}

export interface DeliverDeps {
  readonly webhooks: WebhookSource;
  readonly http: HttpPort;
  readonly clock: Clock;
}

export type AttemptOutcome =
  | { readonly status: 'delivered'; readonly statusCode: number; readonly latencyMs: number }
  /** The receiver refused it (a 4xx other than 408/429): no retry will change that. */
  | { readonly status: 'gave-up'; readonly reason: string; readonly statusCode: number; readonly latencyMs: number }
  /** 5xx, 408, 429, timeout, network: try again later. */
  | { readonly status: 'retry'; readonly reason: string; readonly statusCode?: number; readonly latencyMs: number };

export type DeliveryOutcome =
  | { readonly status: 'skipped'; readonly reason: 'no-webhook' | 'not-subscribed' }
  | AttemptOutcome;

/** One signed POST of `delivery` to `webhook.url`, classified. */
export async function postSigned(
  deps: Pick<DeliverDeps, 'http' | 'clock'>,
  webhook: { readonly url: string; readonly secret: string },
  delivery: OutgoingDelivery,
): Promise<AttemptOutcome> {
  const startedMs = deps.clock.nowMs();
  const headers = deliveryHeaders(webhook.secret, delivery, startedMs);
  const result = await deps.http.post(webhook.url, delivery.body, headers, DELIVERY_TIMEOUT_MS);
  const latencyMs = Math.max(0, deps.clock.nowMs() - startedMs);
  if (result.kind === 'timeout')
    return { status: 'retry', reason: `no answer in ${DELIVERY_TIMEOUT_MS} ms`, latencyMs };
  if (result.kind === 'network-error') return { status: 'retry', reason: `network: ${result.message}`, latencyMs };
  const { statusCode } = result;
  switch (classifyResponse(statusCode)) {
    case 'delivered':
      return { status: 'delivered', statusCode, latencyMs };
    case 'refused':
      return { status: 'gave-up', reason: `receiver answered ${statusCode}`, statusCode, latencyMs };
    case 'retry':
      return { status: 'retry', reason: `receiver answered ${statusCode}`, statusCode, latencyMs };
  }
}

/** The body of a workload event's delivery: the event itself, as its schema defines it. */
export const workloadEventDelivery = (event: WorkloadEvent): OutgoingDelivery => ({
  id: event.id,
  type: event.type,
  body: JSON.stringify(event),
});

export async function deliverWorkloadEvent(event: WorkloadEvent, deps: DeliverDeps): Promise<DeliveryOutcome> {
  const webhook = await deps.webhooks.get(event.tenantId);
  if (!webhook) return { status: 'skipped', reason: 'no-webhook' };
  if (!webhook.events.includes(event.type)) return { status: 'skipped', reason: 'not-subscribed' };
  return postSigned(deps, webhook, workloadEventDelivery(event));
}
