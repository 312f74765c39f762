import type { JobReport } from '../../../../core/routing/site-messages.js';
import { JobLedger, parseJob } from '../src/job-ledger.js';
import { siteJob, T0 } from './fixtures.js';

const report = (jobId: string, attempt: number) =>
  ({
    jobId,
    attempt,
    tenantId: 'tenant-a',
    siteId: 'site-west-1',
    poolId: 'west-h100-a',
    nodeId: 'n1',
    startedAt: new Date(T0).toISOString(),
    endedAt: new Date(T0).toISOString(),
    gpuSeconds: 0,
    energyKwh: 0,
    outcome: 'failed',
    reason: 'test',
  }) as JobReport;

describe('GpuWorker job ledger', () => {
  it('reads a job message, or names the fields that are wrong', () => {
    // Act
    const good = parseJob(JSON.stringify(siteJob('j1')));
    const notJson = parseJob('{');
    const bad = parseJob(JSON.stringify({ ...siteJob('j1'), attempt: 0 }));

    // Assess
    expect(good).toEqual({ ok: true, job: siteJob('j1') });
    expect(notJson).toEqual({ ok: false, issues: [{ field: '(root)', rule: 'json', message: 'not JSON' }] });
    expect(bad.ok === false && bad.issues.map((i) => i.field)).toEqual(['attempt']);
  });

  it('takes a new attempt, ignores the same one again, refuses an older one and replays a final report', () => {
    // Prepare
    const ledger = new JobLedger();
    const first = ledger.admit(siteJob('j1', { attempt: 2 }));
    ledger.waiting(siteJob('j1', { attempt: 2 }));

    // Act
    const whileWaiting = ledger.admit(siteJob('j1', { attempt: 2 }));
    const older = ledger.admit(siteJob('j1', { attempt: 1 }));
    ledger.running('j1');
    const stateWhileRunning = ledger.state('j1');
    ledger.ended(siteJob('j1', { attempt: 2 }), report('j1', 2));
    const afterEnd = ledger.admit(siteJob('j1', { attempt: 2 }));
    const retry = ledger.admit(siteJob('j1', { attempt: 3 }));

    // Assess
    expect(first).toEqual({ kind: 'new' });
    expect(whileWaiting).toEqual({ kind: 'duplicate' });
    expect(older).toEqual({ kind: 'stale', current: 2 });
    expect(stateWhileRunning).toBe('running');
    expect(afterEnd).toEqual({ kind: 'duplicate', report: report('j1', 2) });
    expect(retry).toEqual({ kind: 'new' });
    expect(ledger.state('never')).toBeUndefined();
  });

  it('keeps the later attempt when an earlier one ends after it was taken', () => {
    // Prepare
    const ledger = new JobLedger();
    ledger.waiting(siteJob('j1', { attempt: 3 }));

    // Act
    ledger.ended(siteJob('j1', { attempt: 2 }), report('j1', 2));

    // Assess
    expect(ledger.state('j1')).toBe('pending');
    expect(ledger.admit(siteJob('j1', { attempt: 3 }))).toEqual({ kind: 'duplicate' });
  });
});
