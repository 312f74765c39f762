import type { Rng } from '../support/random.js';
import { type BackoffPolicy, fullJitterDelayMs } from '../switching/backoff.js';

/**
 * When a failed delivery is tried again: capped exponential backoff with full jitter (core/switching/backoff.ts),
 * until the attempts or the age run out. Full jitter spreads the retries of every tenant whose receiver came back
 * at once.
 */
export interface WebhookRetryPolicy extends BackoffPolicy {
  /** No attempt starts later than this after the first one. */
  readonly maxAgeMs: number;
}

/** Ceilings 10 s, 20 s, … 2560 s, then an hour; 25 attempts, none after 24 h. */
export const WEBHOOK_RETRY: WebhookRetryPolicy = {
  baseDelayMs: 10_000,
  backoffRate: 2,
  maxDelayMs: 3_600_000,
  maxRetries: 24,
  maxAgeMs: 24 * 3_600_000,
};

export type RetryDecision =
  | { readonly retry: true; readonly delayMs: number }
  | { readonly retry: false; readonly reason: 'max-attempts' | 'max-age' };

/**
 * After `attemptsMade` failed attempts (the first counts), the wait before the next one, or why there is none.
 * `firstAttemptAtMs` and `nowMs` bound the whole delivery's age.
 */
export function nextWebhookRetry(
  attemptsMade: number,
  firstAttemptAtMs: number,
  nowMs: number,
  rng: Rng,
  policy: WebhookRetryPolicy = WEBHOOK_RETRY,
): RetryDecision {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) {
    throw new RangeError(`attemptsMade must be a positive integer, got ${attemptsMade}`);
  }
  if (attemptsMade > policy.maxRetries) return { retry: false, reason: 'max-attempts' };
  const delayMs = fullJitterDelayMs(attemptsMade - 1, policy, rng);
  if (nowMs + delayMs - firstAttemptAtMs > policy.maxAgeMs) return { retry: false, reason: 'max-age' };
  return { retry: true, delayMs };
}
