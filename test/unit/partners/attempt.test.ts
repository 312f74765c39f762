import { fleetFigures } from '../../../core/metering/fleet-figures.js';
import { usageStatement } from '../../../core/metering/statement.js';
import type { MeteredAttempt } from '../../../core/metering/usage.js';
import {
  applyPartnerOutcome,
  assignToPartner,
  partnerAttemptOverdueAtMs,
  sweepStrandedAttempt,
} from '../../../core/partners/attempt.js';
import { partnerQuote } from '../../../core/partners/overflow.js';
import { newJobState } from '../../../core/routing/job-state.js';
import { job, NOW } from '../routing/fixtures.js';
import { partner } from './fixtures.js';

const P = partner('partner-a');
const JOB = job('j1', { inputTokens: 10_000, outputTokens: 20_000 });
const QUOTE = partnerQuote(JOB, P, P.models[0]!, NOW);

function queuedAtPartner() {
  const sent = assignToPartner(newJobState(JOB), 1, QUOTE)!;
  return sent;
}

describe('a job run on a partner cloud', () => {
  it('is queued at the partner with its quote, and billed the quote once when it completes', () => {
    // Prepare
    const { state, message } = queuedAtPartner();
    const done = {
      kind: 'completed' as const,
      inputTokens: 10_000,
      outputTokens: 20_000,
      costUsd: 0.014,
      endedAtMs: NOW,
    };

    // Act
    const first = applyPartnerOutcome(state, message, done);
    const again = first.ok ? applyPartnerOutcome(first.entry, message, done) : first;

    // Assess: the repeat finds the job moved on: no second record
    expect(state).toMatchObject({ status: 'queued', siteId: 'partner-a', poolId: 'partner' });
    expect(first.ok && first.effect).toBe('completed');
    expect(first.ok && first.record).toMatchObject({
      priceUsd: QUOTE.priceUsd,
      partnerCostUsd: 0.014,
      siteId: 'partner-a',
    });
    expect(again).toEqual({ ok: false, error: 'stale' });
  });

  it('goes back in line off that partner after a failure, unbilled, and fails with the reason past its deadline', () => {
    // Prepare
    const { state, message } = queuedAtPartner();

    // Act
    const early = applyPartnerOutcome(state, message, { kind: 'failed', detail: 'HTTP 503', endedAtMs: NOW });
    const late = applyPartnerOutcome(state, message, { kind: 'failed', detail: 'HTTP 503', endedAtMs: JOB.deadlineMs });

    // Assess
    expect(early.ok && early.effect).toBe('requeued');
    expect(early.ok && early.record).toBeUndefined();
    expect(early.ok && early.entry.job).toMatchObject({ attempt: 2, avoidPartnerIds: ['partner-a'] });
    expect(early.ok && early.entry.status).toBe('pending');
    expect(late.ok && late.entry).toMatchObject({ status: 'failed', reason: 'partner-failed: partner-a: HTTP 503' });
  });

  it('asks to be offered again while the router has not recorded the attempt', () => {
    // Prepare
    const { message } = queuedAtPartner();

    // Act
    const result = applyPartnerOutcome(newJobState(JOB), message, { kind: 'failed', detail: 'x', endedAtMs: NOW });

    // Assess
    expect(result).toEqual({ ok: false, error: 'not-yet-queued' });
  });
});

describe('partner lines on the statement and in the fleet figures', () => {
  const line = (id: string, over: Partial<MeteredAttempt>): MeteredAttempt => ({
    tenantId: 'tenant-a',
    workloadId: id,
    attempt: 1,
    siteId: 'site-west-1',
    poolId: 'west-h100-a',
    modelId: 'm',
    tier: 'flex',
    outcome: 'completed',
    completedAt: new Date(NOW).toISOString(),
    gpuSeconds: 100,
    inputTokens: 1,
    outputTokens: 1,
    energyKwh: 1,
    priceUsd: 1.1,
    ...over,
  });
  const partnerLine = (id: string, price: number, cost: number) =>
    line(id, {
      siteId: 'partner-a',
      poolId: 'partner',
      gpuSeconds: 0,
      energyKwh: 0,
      priceUsd: price,
      partnerId: 'partner-a',
      partnerCostUsd: cost,
    });
  const lines = [line('s1', {}), partnerLine('p1', 0.3, 0.2), partnerLine('p2', 0.7, 0.55)];

  it('adds up: totals are the lines, partner price is cost plus margin', () => {
    // Act
    const statement = usageStatement(lines, 'tenant-a', '2026-03');

    // Assess
    expect(statement.totals.priceUsd).toBe(2.1);
    expect(statement.partner).toMatchObject({ attempts: 2, priceUsd: 1, partnerCostUsd: 0.75, marginUsd: 0.25 });
    expect(statement.partner.byPartner['partner-a']).toEqual({
      attempts: 2,
      priceUsd: 1,
      partnerCostUsd: 0.75,
      marginUsd: 0.25,
    });
  });

  it('keeps partner work out of the GPU figures and reports its share of completed jobs', () => {
    // Act
    const figures = fleetFigures(lines, { fromMs: NOW - 3600_000, toMs: NOW + 1, installedGpus: 10 });

    // Assess
    expect(figures.revenueUsd).toBe(1.1);
    expect(figures.partner.shareOfCompletedJobs).toBeCloseTo(2 / 3, 12);
    expect(figures.partner.marginUsd).toBe(0.25);
  });

  it('is swept only once no live runner can still answer, and then exactly once', () => {
    // Prepare: the runner's limit 15 minutes past the quote's estimated finish, one more for its commit
    const { state } = queuedAtPartner();
    const runnerMaxMs = 15 * 60_000;
    const overdueAtMs = partnerAttemptOverdueAtMs(state, runnerMaxMs, 60_000)!;

    // Act
    const tooEarly = sweepStrandedAttempt(state, overdueAtMs - 1, runnerMaxMs, 60_000);
    const swept = sweepStrandedAttempt(state, overdueAtMs, runnerMaxMs, 60_000);
    const twice = swept?.ok ? sweepStrandedAttempt(swept.entry, overdueAtMs, runnerMaxMs, 60_000) : swept;

    // Assess
    expect(overdueAtMs).toBe(Math.min(JOB.deadlineMs, QUOTE.estimatedFinishMs + runnerMaxMs) + 60_000);
    expect(tooEarly).toBeUndefined();
    expect(swept?.ok && swept.record).toBeUndefined();
    expect(swept?.ok && swept.entry.reason).toMatch(/^partner-failed: partner-a: stranded: no result by /);
    expect(twice).toBeUndefined();
    expect(partnerAttemptOverdueAtMs(newJobState(JOB), runnerMaxMs, 60_000)).toBeUndefined();
  });
});
