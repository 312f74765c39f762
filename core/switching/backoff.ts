import type { Rng } from '../support/random.js';

/**
 * Exponential backoff with full jitter and a cap (AWS Architecture Blog, "Exponential Backoff And Jitter"): the n-th
 * retry waits a uniform draw in [0, min(cap, base · rate^n)). Full jitter spreads retries of many sites that failed
 * together, so they do not hit IoT Core or DynamoDB again in the same instant.
 */
export interface BackoffPolicy {
  readonly baseDelayMs: number;
  readonly backoffRate: number;
  readonly maxDelayMs: number;
  /** Retries after the first attempt. */
  readonly maxRetries: number;
}

/** The switching flow's Lambda steps: 1 s, 2 s, 4 s ceilings, capped at 8 s; three retries keep a switch under ~15 s. */
export const SWITCH_STEP_BACKOFF: BackoffPolicy = {
  baseDelayMs: 1000,
  backoffRate: 2,
  maxDelayMs: 8000,
  maxRetries: 3,
};

/** Waiting for another flow's site lock: longer ceilings, as a switch holds the lock for up to its ack timeout. */
export const SITE_LOCK_BACKOFF: BackoffPolicy = {
  baseDelayMs: 2000,
  backoffRate: 2,
  maxDelayMs: 30_000,
  maxRetries: 4,
};

/** SendTask* calls from the ack handler on throttling. */
export const SEND_TASK_BACKOFF: BackoffPolicy = { baseDelayMs: 50, backoffRate: 2, maxDelayMs: 1000, maxRetries: 4 };

/** The ceiling of the `retry`-th retry (0-based): base · rate^retry, never above the cap. */
export function backoffCeilingMs(retry: number, policy: BackoffPolicy): number {
  if (!Number.isInteger(retry) || retry < 0) throw new RangeError(`retry must be a non-negative integer, got ${retry}`);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * policy.backoffRate ** retry);
}

/** Full jitter: a uniform draw below the ceiling, from the injected generator. */
export function fullJitterDelayMs(retry: number, policy: BackoffPolicy, rng: Rng): number {
  return Math.floor(rng.next() * backoffCeilingMs(retry, policy));
}

/** The same policy in the units of an ASL Retrier (JitterStrategy FULL applies the jitter in Step Functions). */
export function aslRetrier(policy: BackoffPolicy) {
  return {
    intervalSeconds: Math.max(1, Math.round(policy.baseDelayMs / 1000)),
    backoffRate: policy.backoffRate,
    maxDelaySeconds: Math.max(1, Math.round(policy.maxDelayMs / 1000)),
    maxAttempts: policy.maxRetries,
  };
}
