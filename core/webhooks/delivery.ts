import { SIGNATURE_HEADER, signWebhook } from './signature.js';

/**
 * One webhook POST as the receiver sees it, and what its answer means. Shared by the delivery Lambda, the local
 * platform's background delivery and the API's test ping.
 */
export const DELIVERY_TIMEOUT_MS = 5000;
export const EVENT_ID_HEADER = 'HCP-Event-Id';
export const EVENT_TYPE_HEADER = 'HCP-Event-Type';

export interface OutgoingDelivery {
  /** Stable across retries: the receiver drops a repeat by it. */
  readonly id: string;
  readonly type: string;
  /** The JSON text sent, byte for byte what is signed. */
  readonly body: string;
}

export function deliveryHeaders(secret: string, delivery: OutgoingDelivery, nowMs: number): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'HCP-Webhooks/1',
    [SIGNATURE_HEADER]: signWebhook(secret, delivery.body, Math.floor(nowMs / 1000)),
    [EVENT_ID_HEADER]: delivery.id,
    [EVENT_TYPE_HEADER]: delivery.type,
  };
}

/**
 * 2xx: delivered. 408 and 429 ask to come back later, as 5xx do; any other 4xx (and 1xx/3xx: redirects are not
 * followed, a receiver that moved must update its URL) is the receiver refusing this delivery: retrying will not help.
 */
export type ResponseClass = 'delivered' | 'refused' | 'retry';

export function classifyResponse(statusCode: number): ResponseClass {
  if (statusCode >= 200 && statusCode < 300) return 'delivered';
  if (statusCode === 408 || statusCode === 429 || statusCode >= 500) return 'retry';
  return 'refused';
}
