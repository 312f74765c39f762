import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { newJobState } from '../../../core/routing/job-state.js';
import type { SiteJob } from '../../../core/routing/site-messages.js';
import type { WorkloadEvent } from '../../../core/routing/workload-events.js';
import { applySiteReportWhenQueued } from '../../../functions/routing/report.js';
import { routePending } from '../../../functions/routing/route.js';
import { job, NOW } from './fixtures.js';
import { MemoryJobs } from './memory-jobs.js';

const WEST = referenceFleet.sites.find((s) => s.id === 'site-west-1')!;

const completionOf = (message: SiteJob) => ({
  jobId: message.jobId,
  tenantId: message.tenantId,
  attempt: message.attempt,
  siteId: WEST.id,
  poolId: message.poolId,
  nodeId: 'node-1',
  startedAt: new Date(NOW).toISOString(),
  endedAt: new Date(NOW + 2000).toISOString(),
  gpuSeconds: 2,
  energyKwh: 0.001,
  outcome: 'completed',
  inputTokens: message.inputTokens,
  outputTokens: message.outputTokens,
});

describe('routing: a worker that reports before the router records the attempt queued', () => {
  it('refuses the early report as not-yet-queued, then completes the job once when it is offered again', async () => {
    // Prepare: the site finishes the attempt inside the queue's send, before routePending commits it as queued
    const jobs = new MemoryJobs();
    jobs.add(newJobState(job('j1', { deadlineMs: NOW + 86_400_000 })));
    const events: WorkloadEvent[] = [];
    const clock = { nowMs: () => NOW };
    const reportDeps = {
      jobs,
      sites: [WEST],
      events: { notify: async (e: WorkloadEvent) => void events.push(e) },
      clock,
    };
    let routed!: () => void;
    const routerDone = new Promise<void>((resolve) => {
      routed = resolve;
    });
    const firstOffers: string[] = [];
    let reported: ReturnType<typeof applySiteReportWhenQueued> | undefined;
    const queues = {
      async send(_siteId: string, message: SiteJob) {
        reported = applySiteReportWhenQueued(reportDeps, completionOf(message), async () => {
          await routerDone;
        });
        // The first offer is handled before the send returns: the job still reads pending.
        const seen = await jobs.get('tenant-a', message.jobId);
        firstOffers.push(seen!.state.status);
      },
    };

    // Act
    const summary = await routePending({
      jobs,
      plans: { loadCurrent: async () => undefined, loadVersion: async () => undefined },
      sites: [WEST],
      queues,
      events: reportDeps.events,
      clock,
    });
    routed();
    const outcome = await reported!;

    // Assess
    expect(summary.assigned).toBe(1);
    expect(firstOffers).toEqual(['pending']);
    expect(outcome).toMatchObject({ ok: true, effect: 'completed' });
    expect(jobs.stored.get('j1')!.state.status).toBe('completed');
    expect(jobs.usage).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['workload.queued', 'workload.completed']);
  });

  it('gives up after its tries with the early refusal, never a state change, when the attempt is never recorded', async () => {
    // Prepare: a router that sent and then crashed before its commit
    const jobs = new MemoryJobs();
    jobs.add(newJobState(job('j1')));
    const deps = { jobs, sites: [WEST], events: { notify: async () => {} }, clock: { nowMs: () => NOW } };
    const message = { jobId: 'j1', tenantId: 'tenant-a', attempt: 1, poolId: 'west-h100-a', inputTokens: 1000 };
    let waits = 0;

    // Act
    const outcome = await applySiteReportWhenQueued(
      deps,
      completionOf({ ...message, outputTokens: 500 } as SiteJob),
      async () => {
        waits += 1;
      },
      3,
    );

    // Assess
    expect(outcome).toEqual({ ok: false, error: { kind: 'not-yet-queued', jobId: 'j1', attempt: 1 } });
    expect(waits).toBe(2);
    expect(jobs.stored.get('j1')).toMatchObject({ version: 1, state: { status: 'pending' } });
    expect(jobs.usage).toHaveLength(0);
  });
});
