import { randomUUID } from 'node:crypto';
import { USAGE_PLAN_LIMITS } from '../../core/api/tenants.js';
import { latencySummary, openLoops, type Sample } from '../../sim/bench/open-loop.js';
import { type ApiHarness, startApiHarness } from '../integration/api/harness.js';
import { validWorkloadRequest } from '../support/fixtures.js';
import { recordFigure } from './support/figures.js';

/**
 * Per-tenant throttling of the local API (usage plans, core/api/rate-limit.ts) over real HTTP on DynamoDB Local: one
 * standard-plan tenant hammers list and submit far past its plan while two others keep to theirs. Documented outcome:
 * the burster gets 429 `throttled` with a Retry-After that a retry can trust, none of its refused submissions is
 * stored, and the other tenants see no refusal and no error. Their latency with and without the burster is a figure,
 * not a test.
 *
 * The throttle's clock is the load schedule's: each request moves it to the time it was scheduled to be sent, so the
 * burst outruns the refill however slowly a loaded machine delivers it (on the wall clock, at load average 40, the
 * burster's requests reached the limiter slower than the plan refills and none was refused). A request delivered late
 * meets a bucket refilled at most to its burst, as API Gateway's would be.
 *
 * One request in four of the burster is a submission: each accepted one appends to the tenant's audit chain, and
 * appends to one chain serialize (~12/s locally under contention, see RELIABILITY.md): a burst of submissions alone
 * would measure that queue, not the throttle.
 */

const STANDARD = USAGE_PLAN_LIMITS.standard;
/** The steady tenants' rate, half their plan's: what a well-behaved client sends. */
const STEADY_RATE_PER_S = STANDARD.rateLimit / 2;
/** The burster: 5× its plan's rate. */
const BURST_RATE_PER_S = 100;
const PHASE_MS = 4000;

type Call = Awaited<ReturnType<ApiHarness['call']>>;

/** The gap between the two phases on the throttle's clock: every bucket is full again when the second starts. */
const BETWEEN_PHASES_MS = 10_000;

let h: ApiHarness;
const keys: Record<string, string> = {};
/** The throttle's clock (ms): moved forward by the schedules, never back. */
let throttleNowMs = 0;
let phaseStartMs = 0;
const scheduledAt = (index: number, ratePerS: number) => {
  throttleNowMs = Math.max(throttleNowMs, phaseStartMs + (index * 1000) / ratePerS);
};
const startPhase = () => {
  phaseStartMs = throttleNowMs + BETWEEN_PHASES_MS;
  throttleNowMs = phaseStartMs;
};

beforeAll(async () => {
  h = await startApiHarness({
    rateLimit: true,
    rateLimitClockMs: () => throttleNowMs,
    tableName: 'hcp-rate-limit-test',
  });
  for (const tenantId of ['burster', 'steady-a', 'steady-b']) {
    await h.api.runtime.tenants.create({
      tenantId,
      name: tenantId,
      usagePlan: 'standard',
      createdAt: '2026-01-01T00:00:00.000Z',
      createdBy: 'test',
    });
    keys[tenantId] = await h.api.issueApiKey(tenantId, 'customer-user');
  }
});

afterAll(async () => {
  await h?.stop();
});

const list = (tenantId: string) => h.call('GET', '/v1/workloads?limit=10', { key: keys[tenantId] });
const submit = (tenantId: string) =>
  h.call('POST', '/v1/workloads', {
    key: keys[tenantId],
    body: validWorkloadRequest(),
    headers: { 'Idempotency-Key': randomUUID() },
  });

/** A steady tenant's traffic: list its workloads, submit one, alternately. */
const steady = (tenantId: string) => ({
  ratePerS: STEADY_RATE_PER_S,
  durationMs: PHASE_MS,
  send: (i: number) => {
    scheduledAt(i, STEADY_RATE_PER_S);
    return i % 2 === 0 ? list(tenantId) : submit(tenantId);
  },
});

async function storedWorkloadIds(tenantId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await h.call('GET', `/v1/workloads?limit=100${cursor ? `&cursor=${cursor}` : ''}`, {
      key: keys[tenantId],
    });
    ids.push(...page.body.items.map((item: { id: string }) => item.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  return ids;
}

const statuses = (samples: readonly Sample<Call>[]) => [...new Set(samples.map((s) => s.status))].sort();

describe('per-tenant rate limiting in the local API', () => {
  it('throttles a tenant bursting past its plan with 429 + Retry-After, stores nothing refused, and spares the others', async () => {
    // Prepare: the steady tenants alone, as the baseline.
    startPhase();
    const quiet = await openLoops({ 'steady-a': steady('steady-a'), 'steady-b': steady('steady-b') });

    // Act: the same traffic while the burster sends far past its plan.
    const burstStartMs = performance.now();
    startPhase();
    const noisy = await openLoops({
      'steady-a': steady('steady-a'),
      'steady-b': steady('steady-b'),
      burster: {
        ratePerS: BURST_RATE_PER_S,
        durationMs: PHASE_MS,
        send: (i: number) => {
          scheduledAt(i, BURST_RATE_PER_S);
          return i % 4 === 3 ? submit('burster') : list('burster');
        },
      },
    });
    const burstSeconds = (performance.now() - burstStartMs) / 1000;
    const burst = noisy.burster!;
    const accepted = burst.filter((s) => s.status === 200 || s.status === 201);
    const submitted = burst.filter((s) => s.status === 201);
    const refused = burst.filter((s) => s.status === 429);
    const lastRefusal = refused.reduce((a, b) => (b.sentAtMs + b.latencyMs > a.sentAtMs + a.latencyMs ? b : a));
    const retryAfterS = Number(lastRefusal.headers.get('retry-after'));
    throttleNowMs += retryAfterS * 1000;
    const retry = await submit('burster');
    const stored = await storedWorkloadIds('burster');

    // Assess: the burster.
    expect(statuses(burst)).toEqual([200, 201, 429]);
    const phaseSeconds = PHASE_MS / 1000;
    expect(accepted.length).toBeLessThanOrEqual(STANDARD.burstLimit + STANDARD.rateLimit * phaseSeconds);
    expect(refused.length).toBeGreaterThanOrEqual(
      burst.length - (STANDARD.burstLimit + STANDARD.rateLimit * phaseSeconds),
    );
    for (const r of refused) {
      expect(r.body.error).toMatchObject({ code: 'throttled' });
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(retry.status).toBe(201);
    expect(stored.sort()).toEqual([...submitted.map((s) => s.body.id), retry.body.id].sort());
    // Assess: the others, in both phases.
    const others = [...quiet['steady-a']!, ...quiet['steady-b']!, ...noisy['steady-a']!, ...noisy['steady-b']!];
    expect(others.filter((s) => s.status !== 200 && s.status !== 201)).toEqual([]);

    const before = latencySummary([...quiet['steady-a']!, ...quiet['steady-b']!]);
    const during = latencySummary([...noisy['steady-a']!, ...noisy['steady-b']!]);
    const changePct = (during.p99Ms / before.p99Ms - 1) * 100;
    console.log(
      [
        `burster: ${burst.length} sent at ${BURST_RATE_PER_S}/s over ${burstSeconds.toFixed(1)} s; ` +
          `${accepted.length} accepted (plan: ${STANDARD.burstLimit} + ${STANDARD.rateLimit}/s), ${refused.length} refused 429; ` +
          `Retry-After ${retryAfterS} s, retry ${retry.status}; ${stored.length} workloads stored ` +
          `(${submitted.length} accepted submissions + the retry)`,
        `others (2 tenants × ${STEADY_RATE_PER_S}/s): 0 refused, 0 errors of ${others.length}`,
        `  without the burster: p50 ${before.p50Ms} ms, p99 ${before.p99Ms} ms (${before.count} requests)`,
        `  with the burster:    p50 ${during.p50Ms} ms, p99 ${during.p99Ms} ms (${during.count} requests), p99 ${changePct >= 0 ? '+' : ''}${changePct.toFixed(0)}%`,
      ].join('\n'),
    );
    recordFigure('rate-limit.burster-accepted', accepted.length, `of ${burst.length} requests`);
    recordFigure('rate-limit.burster-refused', refused.length, 'requests answered 429');
    recordFigure('rate-limit.others-p50-without', before.p50Ms, 'ms');
    recordFigure('rate-limit.others-p99-without', before.p99Ms, 'ms');
    recordFigure('rate-limit.others-p50-with', during.p50Ms, 'ms');
    recordFigure('rate-limit.others-p99-with', during.p99Ms, 'ms');
  });
});
