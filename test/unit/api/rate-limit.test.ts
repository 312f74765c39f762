import fc from 'fast-check';
import { RateLimiter, type ThrottleLimits, takeToken } from '../../../core/api/rate-limit.js';
import { USAGE_PLAN_LIMITS } from '../../../core/api/tenants.js';

const standard = USAGE_PLAN_LIMITS.standard;

/** Runs requests arriving at `atMs` (non-decreasing) through one key's bucket; true where accepted. */
function accepted(limits: ThrottleLimits, atMs: readonly number[]): boolean[] {
  const limiter = new RateLimiter();
  return atMs.map((nowMs) => limiter.take('tenant', limits, nowMs).allowed);
}

const limitsArb = fc.record({
  rateLimit: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0.1, max: 50, noNaN: true })),
  burstLimit: fc.integer({ min: 1, max: 100 }),
});
/** Arrival times: gaps of 0 (simultaneous) to 2 s, so bursts, trickles and idle refills all occur. */
const arrivalsArb = fc
  .array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 2000 })), {
    minLength: 1,
    maxLength: 150,
  })
  .map((gaps) => {
    let atMs = 0;
    return gaps.map((gap) => (atMs += gap));
  });

describe('token bucket throttling (API Gateway usage plans)', () => {
  it('accepts a full burst at once, then refuses with Retry-After rounded up to whole seconds', () => {
    // Prepare
    const limiter = new RateLimiter();
    // Act
    const burst = Array.from({ length: standard.burstLimit }, () => limiter.take('acme', standard, 0));
    const over = limiter.take('acme', standard, 0);
    const slow = takeToken({ tokens: 0.25, updatedAtMs: 0 }, { rateLimit: 0.5, burstLimit: 1 }, 0);
    // Assess
    expect(burst.every((d) => d.allowed)).toBe(true);
    expect(over).toMatchObject({ allowed: false, retryAfterS: 1 });
    // 0.75 of a token missing at 0.5 tokens/s: 1.5 s, rounded up.
    expect(slow).toMatchObject({ allowed: false, retryAfterS: 2 });
  });

  it('never accepts more than burst + rate × t in any window of t seconds', () => {
    fc.assert(
      fc.property(limitsArb, arrivalsArb, (limits, atMs) => {
        const ok = accepted(limits, atMs);
        for (let first = 0; first < atMs.length; first += 1) {
          let count = 0;
          for (let last = first; last < atMs.length; last += 1) {
            if (ok[last]) count += 1;
            const windowS = (atMs[last]! - atMs[first]!) / 1000;
            // Tokens are fractional floating-point numbers: allow rounding error, never a whole extra request.
            expect(count).toBeLessThanOrEqual(limits.burstLimit + limits.rateLimit * windowS + 1e-9);
          }
        }
      }),
    );
  });

  it('never refuses a client that keeps to its plan’s rate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 300 }),
        (rateLimit, burstLimit, requests) => {
          const intervalMs = Math.ceil(1000 / rateLimit);
          const atMs = Array.from({ length: requests }, (_, i) => i * intervalMs);
          expect(accepted({ rateLimit, burstLimit }, atMs).every(Boolean)).toBe(true);
        },
      ),
    );
  });

  it('accepts the retry a refusal’s Retry-After asks for', () => {
    fc.assert(
      fc.property(limitsArb, arrivalsArb, (limits, atMs) => {
        // Prepare: any history, then requests at its last instant until one is refused.
        const limiter = new RateLimiter();
        for (const nowMs of atMs) limiter.take('tenant', limits, nowMs);
        const endMs = atMs.at(-1)!;
        let refused = limiter.take('tenant', limits, endMs);
        while (refused.allowed) refused = limiter.take('tenant', limits, endMs);
        // Act
        const retry = limiter.take('tenant', limits, endMs + refused.retryAfterS * 1000);
        // Assess
        expect(refused.retryAfterS).toBeGreaterThanOrEqual(1);
        expect(retry.allowed).toBe(true);
      }),
    );
  });

  it('keeps one bucket per key: a tenant that empties its own leaves the others whole', () => {
    // Prepare
    const limiter = new RateLimiter();
    for (let i = 0; i <= standard.burstLimit; i += 1) limiter.take('noisy', standard, 0);
    // Act
    const quiet = Array.from({ length: standard.burstLimit }, () => limiter.take('quiet', standard, 0));
    // Assess
    expect(limiter.take('noisy', standard, 0).allowed).toBe(false);
    expect(quiet.every((d) => d.allowed)).toBe(true);
  });

  it('refills nothing when the clock goes backwards, and never above the burst', () => {
    const empty = { tokens: 0, updatedAtMs: 10_000 };
    expect(takeToken(empty, standard, 5_000).allowed).toBe(false);
    const idle = takeToken({ tokens: 3, updatedAtMs: 0 }, standard, 3_600_000);
    expect(idle).toMatchObject({ allowed: true, bucket: { tokens: standard.burstLimit - 1 } });
  });

  it.each([
    { rateLimit: 0, burstLimit: 10 },
    { rateLimit: Number.NaN, burstLimit: 10 },
    { rateLimit: 10, burstLimit: 0 },
    { rateLimit: 10, burstLimit: 2.5 },
  ])('refuses limits that could never accept a request: %o', (limits) => {
    expect(() => takeToken(undefined, limits, 0)).toThrow(RangeError);
  });
});
