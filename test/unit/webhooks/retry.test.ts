import fc from 'fast-check';
import type { Rng } from '../../../core/support/random.js';
import { nextWebhookRetry, WEBHOOK_RETRY, type WebhookRetryPolicy } from '../../../core/webhooks/retry.js';

const T0 = 1_790_000_000_000;
const fixed = (value: number): Rng => ({ next: () => value });
const almostOne = fixed(1 - Number.EPSILON);

describe('webhook retry schedule', () => {
  it('doubles the ceiling from 10 s per attempt and caps it at an hour', () => {
    const ceilings = [1, 2, 3, 9, 10, 11, 24].map((n) => {
      const decision = nextWebhookRetry(n, T0, T0, almostOne);
      return decision.retry ? Math.round(decision.delayMs / 1000) : decision.reason;
    });
    expect(ceilings).toEqual([10, 20, 40, 2560, 3600, 3600, 3600]);
  });

  it('draws the delay from the injected random: full jitter from zero to the ceiling', () => {
    expect(nextWebhookRetry(3, T0, T0, fixed(0))).toEqual({ retry: true, delayMs: 0 });
    expect(nextWebhookRetry(3, T0, T0, fixed(0.5))).toEqual({ retry: true, delayMs: 20_000 });
  });

  it('gives up after maxRetries + 1 attempts', () => {
    expect(nextWebhookRetry(WEBHOOK_RETRY.maxRetries + 1, T0, T0, fixed(0))).toEqual({
      retry: false,
      reason: 'max-attempts',
    });
  });

  it('gives up when the next attempt would start more than 24 h after the first', () => {
    const late = T0 + 24 * 3_600_000 - 1000;
    expect(nextWebhookRetry(12, T0, late, fixed(0))).toEqual({ retry: true, delayMs: 0 });
    expect(nextWebhookRetry(12, T0, late, fixed(0.5))).toEqual({ retry: false, reason: 'max-age' });
  });

  it('refuses a non-positive attempt count', () => {
    expect(() => nextWebhookRetry(0, T0, T0, fixed(0))).toThrow(RangeError);
  });

  it('never waits beyond the cap nor past the age limit, for any policy and draw', () => {
    const policy = fc.record<WebhookRetryPolicy>({
      baseDelayMs: fc.integer({ min: 1, max: 60_000 }),
      backoffRate: fc.double({ min: 1, max: 4, noNaN: true }),
      maxDelayMs: fc.integer({ min: 1, max: 7_200_000 }),
      maxRetries: fc.integer({ min: 1, max: 50 }),
      maxAgeMs: fc.integer({ min: 1, max: 48 * 3_600_000 }),
    });
    fc.assert(
      fc.property(
        policy,
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 48 * 3_600_000 }),
        fc.double({ min: 0, max: 0.9999, noNaN: true }),
        (p, attempts, elapsedMs, draw) => {
          const decision = nextWebhookRetry(attempts, T0, T0 + elapsedMs, fixed(draw), p);
          if (attempts > p.maxRetries) expect(decision).toEqual({ retry: false, reason: 'max-attempts' });
          if (decision.retry) {
            expect(decision.delayMs).toBeGreaterThanOrEqual(0);
            expect(decision.delayMs).toBeLessThanOrEqual(p.maxDelayMs);
            expect(elapsedMs + decision.delayMs).toBeLessThanOrEqual(p.maxAgeMs);
          }
        },
      ),
    );
  });
});
