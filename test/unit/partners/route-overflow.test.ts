import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { PartnerJob } from '../../../core/partners/attempt.js';
import type { PartnerSettings } from '../../../core/partners/settings.js';
import { newJobState } from '../../../core/routing/job-state.js';
import { routePending } from '../../../functions/routing/route.js';
import { job, NOW } from '../routing/fixtures.js';
import { MemoryJobs } from '../routing/memory-jobs.js';
import { partner, settings } from './fixtures.js';

const WEST = referenceFleet.sites.find((s) => s.id === 'site-west-1')!;
/** Every GPU of the site off for the plan's whole horizon: the router finds no capacity. */
const curtailed = {
  version: 1,
  createdAt: new Date(NOW).toISOString(),
  horizonStart: new Date(NOW - 60_000).toISOString(),
  intervalMinutes: 60,
  sites: [
    {
      siteId: WEST.id,
      intervals: [
        {
          startsAt: new Date(NOW - 60_000).toISOString(),
          asicGroups: [],
          gpuPools: WEST.gpuPools.map((p) => ({ poolId: p.id, gpusPowered: 0, gpusServing: 0 })),
          sitePowerKw: 0,
        },
      ],
      ladder: [],
    },
  ],
  solver: { mode: 'heuristic', status: 'test', objectiveUsd: 0, solveMs: 0 },
};

function deps(tenantSettings: PartnerSettings | undefined, dispatched: PartnerJob[]) {
  const jobs = new MemoryJobs();
  jobs.add(newJobState(job('j1')));
  return {
    jobs,
    deps: {
      jobs,
      plans: { loadCurrent: async () => curtailed as never, loadVersion: async () => undefined },
      sites: [WEST],
      queues: { send: async () => {} },
      events: { notify: async () => {} },
      clock: { nowMs: () => NOW },
      partners: {
        catalogue: { partners: async () => [partner('partner-a')] },
        settings: { get: async () => tenantSettings },
        dispatch: { dispatch: async (j: PartnerJob) => void dispatched.push(j) },
      },
    },
  };
}

describe('the router overflowing to a partner when the fleet has no capacity', () => {
  it('hands the job to the partner first, then records it queued there with the quote', async () => {
    // Prepare
    const dispatched: PartnerJob[] = [];
    const { jobs, deps: routeDeps } = deps(settings(), dispatched);

    // Act
    const summary = await routePending(routeDeps);

    // Assess
    expect(summary).toMatchObject({ toPartner: 1, assigned: 0, refused: 0, waitingForCapacity: 0 });
    expect(dispatched).toEqual([expect.objectContaining({ jobId: 'j1', attempt: 1, partnerId: 'partner-a' })]);
    const stored = jobs.stored.get('j1')!;
    expect(stored.state).toMatchObject({ status: 'queued', siteId: 'partner-a', poolId: 'partner' });
    expect(stored.state.partner?.priceUsd).toBeGreaterThan(stored.state.partner!.costUsd);
  });

  it('leaves the job waiting for capacity when its tenant allows no partner, and sends nothing', async () => {
    // Prepare
    const dispatched: PartnerJob[] = [];
    const { jobs, deps: routeDeps } = deps(undefined, dispatched);

    // Act
    const summary = await routePending(routeDeps);

    // Assess
    expect(summary).toMatchObject({ toPartner: 0, waitingForCapacity: 1 });
    expect(dispatched).toEqual([]);
    expect(jobs.stored.get('j1')!.state.status).toBe('pending');
  });

  it('keeps the job pending when the hand-over fails, so the next run tries again', async () => {
    // Prepare
    const { jobs, deps: routeDeps } = deps(settings(), []);
    const failing = {
      ...routeDeps,
      partners: { ...routeDeps.partners, dispatch: { dispatch: async () => Promise.reject(new Error('throttled')) } },
    };

    // Act
    const run = routePending(failing);

    // Assess
    await expect(run).rejects.toThrow('throttled');
    expect(jobs.stored.get('j1')!.state.status).toBe('pending');
  });
});
