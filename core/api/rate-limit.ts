/**
 * Per-key request throttling as API Gateway applies a usage plan's throttle to each API key: a token bucket holding
 * at most `burstLimit` tokens, refilled at `rateLimit` tokens per second; a request takes one token or is refused
 * (429). Over any window of t seconds a key is accepted at most burstLimit + rateLimit × t requests. Pure: the clock
 * is the caller's (`nowMs`), so the local API, tests and benches run the same code.
 */

/** The shape of CDK's `ThrottleSettings`, so the stack and the local API read one table. */
export interface ThrottleLimits {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests accepted at once from a full bucket (its capacity). */
  readonly burstLimit: number;
}

export interface TokenBucket {
  /** Tokens left, fractional between refills. */
  readonly tokens: number;
  readonly updatedAtMs: number;
}

export type TakeDecision =
  | { readonly allowed: true; readonly bucket: TokenBucket }
  | {
      readonly allowed: false;
      readonly bucket: TokenBucket;
      /** Seconds until a token is available, rounded up: the `Retry-After` header's value (at least 1). */
      readonly retryAfterS: number;
    };

function checkLimits(limits: ThrottleLimits): void {
  if (!(limits.rateLimit > 0) || !Number.isFinite(limits.rateLimit)) {
    throw new RangeError(`rateLimit must be a positive number of requests per second, got ${limits.rateLimit}`);
  }
  if (!Number.isInteger(limits.burstLimit) || limits.burstLimit < 1) {
    throw new RangeError(`burstLimit must be a positive integer, got ${limits.burstLimit}`);
  }
}

/**
 * Takes one token from `bucket` (a missing bucket is full: a key not seen yet may burst). The bucket is refilled for
 * the time since its last update first; a clock that went backwards refills nothing.
 */
export function takeToken(bucket: TokenBucket | undefined, limits: ThrottleLimits, nowMs: number): TakeDecision {
  checkLimits(limits);
  const elapsedMs = bucket ? Math.max(0, nowMs - bucket.updatedAtMs) : 0;
  const tokens = bucket
    ? Math.min(limits.burstLimit, bucket.tokens + (elapsedMs * limits.rateLimit) / 1000)
    : limits.burstLimit;
  const updatedAtMs = bucket ? Math.max(nowMs, bucket.updatedAtMs) : nowMs;
  if (tokens >= 1) return { allowed: true, bucket: { tokens: tokens - 1, updatedAtMs } };
  return {
    allowed: false,
    bucket: { tokens, updatedAtMs },
    retryAfterS: Math.max(1, Math.ceil((1 - tokens) / limits.rateLimit)),
  };
}

/** One bucket per key (a tenant's usage key): what API Gateway keeps per API key of a usage plan. */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  /** @param clockMs the limiter's clock when `take` is not handed one: the wall clock, as API Gateway's. */
  constructor(private readonly clockMs: () => number = Date.now) {}

  take(key: string, limits: ThrottleLimits, nowMs: number = this.clockMs()): TakeDecision {
    const decision = takeToken(this.buckets.get(key), limits, nowMs);
    this.buckets.set(key, decision.bucket);
    return decision;
  }
}
