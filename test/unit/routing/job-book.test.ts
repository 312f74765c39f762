import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { JobBook } from '../../../core/routing/job-book.js';
import { progressOf } from '../../../core/routing/job-state.js';
import { modelRateOf } from '../../../core/routing/pool-state.js';
import { job, NOW } from './fixtures.js';

/** The router's assignment of j1's attempt to west. */
const assigned = (attempt: number) =>
  ({
    kind: 'assigned',
    jobId: 'j1',
    attempt,
    siteId: 'site-west-1',
    poolId: 'west-h100-a',
    warm: true,
    startAtMs: NOW,
    estimatedFinishMs: NOW + 10_000,
    quoteUsd: 0.01,
    gpuSeconds: 1,
  }) as const;

function bookWithQueuedJob(tier: 'flex' | 'guaranteed' = 'flex') {
  const book = new JobBook({ rateOf: (s, p, m) => modelRateOf(referenceFleet.sites, s, p, m) });
  book.submit(job('j1', { tier }));
  const message = book.applyDecision(assigned(1));
  return { book, message };
}

const base = {
  jobId: 'j1',
  tenantId: 'tenant-a',
  attempt: 1,
  siteId: 'site-west-1',
  poolId: 'west-h100-a',
  nodeId: 'node-1',
  startedAt: new Date(NOW).toISOString(),
  endedAt: new Date(NOW + 5000).toISOString(),
  gpuSeconds: 2.5,
  energyKwh: 0.001,
};
const completion = { ...base, outcome: 'completed', inputTokens: 1000, outputTokens: 500 };

describe('job book: reports from site workers', () => {
  it('hands an assigned job to its site as a site message carrying the attempt', () => {
    // Act
    const { book, message } = bookWithQueuedJob();

    // Assess
    expect(message).toMatchObject({ jobId: 'j1', attempt: 1, poolId: 'west-h100-a', inputTokens: 1000 });
    expect(book.get('j1')?.status).toBe('queued');
  });

  it('completes a job once and meters it; the same completion again is a harmless duplicate', () => {
    // Prepare
    const { book } = bookWithQueuedJob();

    // Act
    const first = book.report(completion);
    const again = book.report(JSON.parse(JSON.stringify(completion)));

    // Assess
    expect(first).toMatchObject({ ok: true, effect: 'completed' });
    expect(again).toMatchObject({ ok: true, effect: 'duplicate' });
    expect(book.usage()).toHaveLength(1);
    expect(book.usage()[0]).toMatchObject({ workloadId: 'j1', attempt: 1, outcome: 'completed', outputTokens: 500 });
    expect(book.usage()[0]!.priceUsd).toBeGreaterThan(0);
  });

  it('refuses a malformed completion, naming each bad field, and changes nothing', () => {
    // Prepare
    const { book } = bookWithQueuedJob();

    // Act
    const result = book.report({ ...completion, outputTokens: -3, attempt: 'one', extra: true });

    // Assess
    if (result.ok) throw new Error('expected a refusal');
    expect(result.error.kind).toBe('malformed-report');
    const fields = result.error.kind === 'malformed-report' ? result.error.issues.map((i) => i.field) : [];
    expect(fields).toEqual(expect.arrayContaining(['outputTokens', 'attempt', 'extra']));
    expect(book.get('j1')?.status).toBe('queued');
  });

  it('refuses a report whose end precedes its start, naming endedAt', () => {
    // Prepare
    const { book } = bookWithQueuedJob();

    // Act
    const result = book.report({ ...completion, endedAt: new Date(NOW - 1).toISOString() });

    // Assess
    expect(result).toMatchObject({ ok: false, error: { kind: 'malformed-report' } });
    expect(!result.ok && result.error.kind === 'malformed-report' && result.error.issues[0]?.field).toBe('endedAt');
  });

  it('refuses a completion for a job it does not know', () => {
    // Prepare
    const { book } = bookWithQueuedJob();

    // Act
    const result = book.report({ ...completion, jobId: 'nobody' });

    // Assess
    expect(result).toEqual({ ok: false, error: { kind: 'unknown-job', jobId: 'nobody' } });
    expect(book.usage()).toHaveLength(0);
  });

  it('refuses a completion of an attempt that is not the current one', () => {
    // Prepare
    const { book } = bookWithQueuedJob();

    // Act
    const result = book.report({ ...completion, attempt: 2 });

    // Assess
    expect(result).toEqual({ ok: false, error: { kind: 'stale-attempt', jobId: 'j1', attempt: 2, current: 1 } });
  });

  it('refuses a second, different ending of an attempt that already ended', () => {
    // Prepare
    const { book } = bookWithQueuedJob();
    book.report(completion);

    // Act
    const result = book.report({ ...base, outcome: 'failed', reason: 'CUDA out of memory' });

    // Assess
    expect(result).toMatchObject({ ok: false, error: { kind: 'conflicting-report', attempt: 1 } });
    expect(book.get('j1')?.status).toBe('completed');
  });

  it('requeues a preempted job as the next attempt, bills only the kept tokens, and completes it once', () => {
    // Prepare
    const { book } = bookWithQueuedJob();

    // Act
    const preempted = book.report({ ...base, outcome: 'preempted', reason: 'capacity', checkpointOutputTokens: 100 });
    const pending = book.pending();
    const late = book.report(completion);

    // Assess
    expect(preempted).toMatchObject({ ok: true, effect: 'requeued' });
    expect(pending).toEqual([expect.objectContaining({ id: 'j1', attempt: 2, outputTokens: 400, inputTokens: 1100 })]);
    expect(book.usage()[0]).toMatchObject({ outcome: 'preempted', inputTokens: 0, outputTokens: 100 });
    expect(late).toMatchObject({ ok: false, error: { kind: 'conflicting-report' } });
  });

  it('pauses a job a site handed back unstarted, longer each time, without using up its attempts', () => {
    // Prepare
    const { book } = bookWithQueuedJob();
    const handBack = (attempt: number) => {
      const result = book.report({
        ...base,
        attempt,
        gpuSeconds: 0,
        outcome: 'preempted',
        reason: 'capacity',
        checkpointOutputTokens: 0,
      });
      const next = book.pending()[0];
      if (next) book.applyDecision(assigned(next.attempt));
      return { result, next };
    };

    // Act: seven hand-backs, more than the five attempts a job has
    const rounds = [1, 2, 3, 4, 5, 6, 7].map(handBack);

    // Assess
    expect(rounds.every((r) => r.result.ok && r.result.effect === 'requeued')).toBe(true);
    const endedAt = Date.parse(base.endedAt);
    expect(rounds.map((r) => r.next!.notBeforeMs! - endedAt)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000]);
    expect(book.get('j1')?.reason).toMatch(/^preempted: capacity at site-west-1/);
  });

  it('shows the customer where a queued job is and why a preempted one waits, never a stale site', () => {
    // Prepare
    const { book } = bookWithQueuedJob();
    const queued = progressOf(book.get('j1')!, '2026-03-02T12:00:01Z');

    // Act
    book.report({ ...base, outcome: 'preempted', reason: 'grid-emergency', checkpointOutputTokens: 0 });
    const preempted = progressOf(book.get('j1')!, '2026-03-02T12:00:06Z');

    // Assess
    expect(queued).toEqual({
      status: 'queued',
      attempt: 1,
      updatedAt: '2026-03-02T12:00:01Z',
      siteId: 'site-west-1',
      estimatedFinishAt: new Date(NOW + 10_000).toISOString(),
    });
    expect(preempted).toEqual({
      status: 'preempted',
      attempt: 2,
      updatedAt: '2026-03-02T12:00:06Z',
      reason: 'preempted: grid-emergency at site-west-1',
    });
  });

  it('fails a job the router refused, with the reason the customer sees', () => {
    // Prepare
    const book = new JobBook({ rateOf: () => undefined });
    book.submit(job('j1'));

    // Act
    book.applyDecision({ kind: 'refused', jobId: 'j1', attempt: 1, reason: 'deadline-infeasible', detail: 'too late' });

    // Assess
    expect(book.get('j1')).toMatchObject({ status: 'failed', reason: 'deadline-infeasible: too late' });
  });
});
