import fc from 'fast-check';
import type { Rng } from '../../../core/support/random.js';
import {
  aslRetrier,
  backoffCeilingMs,
  fullJitterDelayMs,
  SITE_LOCK_BACKOFF,
  SWITCH_STEP_BACKOFF,
} from '../../../core/switching/backoff.js';

const fixedRng = (value: number): Rng => ({ next: () => value });
const policyArb = fc.record({
  baseDelayMs: fc.integer({ min: 1, max: 10_000 }),
  backoffRate: fc.double({ min: 1, max: 4, noNaN: true }),
  maxDelayMs: fc.integer({ min: 1, max: 120_000 }),
  maxRetries: fc.integer({ min: 0, max: 10 }),
});

describe('full-jitter backoff', () => {
  it('never waits below zero or at/above the capped ceiling', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (policy, retry, draw) => {
          // Act
          const delay = fullJitterDelayMs(retry, policy, fixedRng(draw));

          // Assess
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(Math.max(0, backoffCeilingMs(retry, policy)));
          expect(delay).toBeLessThanOrEqual(policy.maxDelayMs);
        },
      ),
    );
  });

  it('grows the ceiling monotonically with the retry number up to the cap', () => {
    fc.assert(
      fc.property(policyArb, fc.integer({ min: 0, max: 40 }), (policy, retry) => {
        // Act
        const [now, next] = [backoffCeilingMs(retry, policy), backoffCeilingMs(retry + 1, policy)];

        // Assess
        expect(next).toBeGreaterThanOrEqual(now);
        expect(next).toBeLessThanOrEqual(policy.maxDelayMs);
      }),
    );
  });

  it('doubles from the base: 1 s, 2 s, 4 s, then the 8 s cap', () => {
    // Act
    const ceilings = [0, 1, 2, 3, 4].map((retry) => backoffCeilingMs(retry, SWITCH_STEP_BACKOFF));

    // Assess
    expect(ceilings).toEqual([1000, 2000, 4000, 8000, 8000]);
  });

  it('rejects a negative or fractional retry number', () => {
    // Act / Assess
    expect(() => backoffCeilingMs(-1, SWITCH_STEP_BACKOFF)).toThrow(RangeError);
    expect(() => backoffCeilingMs(1.5, SWITCH_STEP_BACKOFF)).toThrow(RangeError);
  });

  it('states the same policy as an ASL retrier in seconds', () => {
    // Act
    const retrier = aslRetrier(SITE_LOCK_BACKOFF);

    // Assess
    expect(retrier).toEqual({ intervalSeconds: 2, backoffRate: 2, maxDelaySeconds: 30, maxAttempts: 4 });
  });
});
