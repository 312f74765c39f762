import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import { type Plan, planSchema } from '../../../core/model/plan.js';
import { loadHighs } from '../../../core/optimizer/solve.js';
import { DEFAULT_DEMAND_TERMS } from '../../../core/optimizer/types.js';
import { fixedClock } from '../../../core/support/clock.js';
import { HighsFleetSolver } from '../../../functions/optimizer/adapters/highs-fleet-solver.js';
import { LadderSolver } from '../../../functions/optimizer/adapters/ladder-solver.js';
import { StaticFleetSource } from '../../../functions/optimizer/adapters/static-fleet-source.js';
import type { SolveRequest } from '../../../functions/optimizer/ports.js';
import { createOptimizeSteps } from '../../../functions/optimizer/steps.js';
import type { PlanStore } from '../../../functions/shared/data/plan-store.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';

const NOW = Date.parse('2026-11-28T12:03:00Z');
const snapshot = (westPrice: number): MarketSnapshot =>
  marketSnapshotAt(Date.parse('2026-11-28T12:00:00Z'), { HB_WEST: westPrice, HB_SOUTH: 25, HB_NORTH: 25 });

describe('the stand-in ladder solver', () => {
  it('produces a valid plan for the whole fleet within each interconnect limit', async () => {
    // Act
    const plan = await new LadderSolver().solve({
      fleet: referenceFleet,
      market: snapshot(20),
      previous: undefined,
      version: 1,
      nowMs: NOW,
    });

    // Assess
    expect(planSchema.safeParse(plan).success).toBe(true);
    expect(plan.horizonStart).toBe('2026-11-28T12:00:00.000Z');
    for (const site of plan.sites) {
      const limitKw = referenceFleet.sites.find((s) => s.id === site.siteId)!.interconnectLimitMw * 1000;
      for (const interval of site.intervals) expect(interval.sitePowerKw).toBeLessThanOrEqual(limitKw);
    }
  });

  it('turns off the groups whose breakeven is below a scarcity price', async () => {
    // Act
    const plan = await new LadderSolver().solve({
      fleet: referenceFleet,
      market: snapshot(4500),
      previous: undefined,
      version: 1,
      nowMs: NOW,
    });

    // Assess
    const west = plan.sites.find((s) => s.siteId === 'site-west-1')!.intervals[0]!;
    expect(west.asicGroups.every((g) => g.unitsOn === 0)).toBe(true);
  });
});

describe('the core optimizer behind the solver port', () => {
  const solver = new HighsFleetSolver({ highs: loadHighs });

  const westPool = (plan: Plan) =>
    plan.sites.find((s) => s.siteId === 'site-west-1')!.intervals.map((i) => i.gpuPools[0]!);

  it('powers no GPU in any interval when no work is open', async () => {
    // Act
    const plan = await solver.solve({
      fleet: referenceFleet,
      market: snapshot(25),
      previous: undefined,
      version: 1,
      nowMs: NOW,
    });

    // Assess
    const powered = plan.sites.flatMap((s) => s.intervals.flatMap((i) => i.gpuPools.map((p) => p.gpusPowered)));
    expect(powered.every((gpus) => gpus === 0)).toBe(true);
  }, 30_000);

  it('keeps a pool with open work serving over the whole horizon, not only the first interval', async () => {
    // Prepare: a few jobs' worth of open work, as the work demand reads it (a small fraction of one GPU-hour): at the
    // sequence speed a job runs longer than one interval, so a pool planned off after the first one preempts it.
    const demand = { 'site-west-1': { guaranteedGpuHours: 0.002, flexBacklog: [{ dueInHours: 3, gpuHours: 0.004 }] } };

    // Act
    const plan = await solver.solve({
      fleet: referenceFleet,
      market: snapshot(25),
      previous: undefined,
      version: 1,
      nowMs: NOW,
      demand,
    });

    // Assess: the pool serves in every interval (a whole node stays up): no node vacated under running work.
    const serving = westPool(plan).map((p) => p.gpusServing);
    expect(serving).toHaveLength(96);
    expect(serving.every((gpus) => gpus > 0)).toBe(true);
  }, 30_000);

  it('solves the reference fleet into a valid 24-hour plan of 15-minute intervals within each interconnect', async () => {
    // Act
    const plan = await solver.solve({
      fleet: referenceFleet,
      market: snapshot(25),
      previous: undefined,
      version: 3,
      nowMs: NOW,
    });

    // Assess
    expect(planSchema.safeParse(plan).success).toBe(true);
    expect(plan).toMatchObject({ version: 3, intervalMinutes: 15, horizonStart: '2026-11-28T12:00:00.000Z' });
    // Without stored history the planner holds the snapshot's price flat, and the plan says so.
    expect(plan.forecast).toMatchObject({ forecaster: 'last-settled', horizonHours: 24, stepMinutes: 15 });
    expect(plan.forecast?.fallbackReason).toBe('no market history stored');
    for (const site of plan.sites) {
      const limitKw = referenceFleet.sites.find((s) => s.id === site.siteId)!.interconnectLimitMw * 1000;
      expect(site.intervals).toHaveLength(96);
      for (const interval of site.intervals) expect(interval.sitePowerKw).toBeLessThanOrEqual(limitKw + 1e-6);
    }
  }, 30_000);

  it('mines less at a scarcity price than at a cheap one', async () => {
    // Act
    const [cheap, scarce] = await Promise.all(
      [20, 3000].map((price) =>
        solver.solve({ fleet: referenceFleet, market: snapshot(price), previous: undefined, version: 1, nowMs: NOW }),
      ),
    );

    // Assess
    const westAsicKw = (plan: Plan) =>
      plan.sites
        .find((s) => s.siteId === 'site-west-1')!
        .intervals.at(-1)!
        .asicGroups.reduce((sum, g) => sum + g.powerTargetKw, 0);
    expect(westAsicKw(scarce!)).toBeLessThan(westAsicKw(cheap!));
  }, 30_000);
});

describe('optimize steps', () => {
  function memoryPlans(): PlanStore & { saved: Plan[] } {
    const saved: Plan[] = [];
    return {
      saved,
      save: async (plan) => {
        const current = saved.at(-1)?.version ?? 0;
        if (plan.version !== current + 1)
          return { ok: false, reason: 'version-conflict', version: plan.version, cancellationCodes: [] };
        saved.push(plan);
        return { ok: true, version: plan.version };
      },
      loadCurrent: async () => saved.at(-1),
      loadVersion: async (v) => saved.find((p) => p.version === v),
      listHistory: async () => [],
    };
  }

  function steps(plans: PlanStore, initialMarket: MarketSnapshot | undefined) {
    const drafts = new Map<string, Plan>();
    const planned: number[] = [];
    let market = initialMarket;
    return {
      planned,
      setMarket: (next: MarketSnapshot) => {
        market = next;
      },
      steps: createOptimizeSteps({
        fleet: new StaticFleetSource(referenceFleet),
        market: { latest: async () => market },
        plans,
        switchStates: { get: async () => undefined },
        drafts: { put: async (id, plan) => void drafts.set(id, plan), get: async (id) => drafts.get(id) },
        solver: new LadderSolver(),
        clock: fixedClock(NOW),
        metrics: { planSaved: (plan) => void planned.push(plan.version) },
      }),
    };
  }

  it('solves into a draft, then saves it as the next version and names the sites to switch', async () => {
    // Prepare
    const plans = memoryPlans();
    const { steps: s, planned } = steps(plans, snapshot(20));

    // Act
    const solved = await s.solve({ draftId: 'exec-1' });
    const persisted = await s.persist({ draftId: 'exec-1' });

    // Assess
    expect(solved).toMatchObject({ draftId: 'exec-1', version: 1, siteCount: 3 });
    expect(persisted.planVersion).toBe(1);
    expect(persisted.switches.map((x) => x.reason)).toEqual(['not-committed', 'not-committed', 'not-committed']);
    expect(planned).toEqual([1]);
  });

  it('stops with a named error when another run saved the version first', async () => {
    // Prepare: two runs solve version 1 from different prices, so their plans differ.
    const plans = memoryPlans();
    const { steps: s, setMarket } = steps(plans, snapshot(20));
    await s.solve({ draftId: 'slow' });
    setMarket(snapshot(4500));
    await s.solve({ draftId: 'fast' });
    await s.persist({ draftId: 'fast' });

    // Act
    const late = s.persist({ draftId: 'slow' });

    // Assess
    await expect(late).rejects.toMatchObject({ name: 'PlanVersionConflict' });
  });

  it('answers a retried persist whose plan is already saved with the same version and sites to switch', async () => {
    // Prepare: the first persist saved version 1, but its answer was lost, so Step Functions runs it again.
    const plans = memoryPlans();
    const { steps: s } = steps(plans, snapshot(20));
    await s.solve({ draftId: 'exec-1' });
    const first = await s.persist({ draftId: 'exec-1' });

    // Act
    const retry = await s.persist({ draftId: 'exec-1' });

    // Assess
    expect(retry).toEqual(first);
    expect(retry.switchCount).toBe(3);
    expect(plans.saved.map((p) => p.version)).toEqual([1]);
  });

  it('refuses a retried persist once a newer version was saved over its own', async () => {
    // Prepare: exec-1 saved version 1, then another run saved version 2 before exec-1's retry.
    const plans = memoryPlans();
    const { steps: s, setMarket } = steps(plans, snapshot(20));
    await s.solve({ draftId: 'exec-1' });
    await s.persist({ draftId: 'exec-1' });
    setMarket(snapshot(4500));
    await s.solve({ draftId: 'exec-2' });
    await s.persist({ draftId: 'exec-2' });

    // Act
    const retry = s.persist({ draftId: 'exec-1' });

    // Assess: switching to version 1 now would undo version 2.
    await expect(retry).rejects.toMatchObject({ name: 'PlanVersionConflict' });
    expect(plans.saved.map((p) => p.version)).toEqual([1, 2]);
  });

  it('refuses to solve without market data', async () => {
    // Prepare
    const { steps: s } = steps(memoryPlans(), undefined);

    // Act / Assess
    await expect(s.solve({ draftId: 'x' })).rejects.toMatchObject({ name: 'NoMarketData' });
  });

  it('prices GPU work from the operator’s sheet, and from the defaults without one', async () => {
    // Prepare
    const seen: Array<SolveRequest['demandTerms']> = [];
    const solver = {
      solve: async (request: SolveRequest) => {
        seen.push(request.demandTerms);
        return new LadderSolver().solve(request);
      },
    };
    const sheet = {
      prices: [{ gpuModel: 'H100', tier: 'guaranteed' as const, usdPerGpuHour: 4.2 }],
      updatedAt: '2026-11-28T11:00:00Z',
      updatedBy: 'admin-1',
    };
    const run = (stored: typeof sheet | undefined) =>
      createOptimizeSteps({
        fleet: new StaticFleetSource(referenceFleet),
        market: { latest: async () => snapshot(20) },
        plans: memoryPlans(),
        switchStates: { get: async () => undefined },
        drafts: { put: async () => {}, get: async () => undefined },
        solver,
        gpuPrices: { get: async () => stored },
        clock: fixedClock(NOW),
      }).solve({ draftId: 'd' });

    // Act
    await run(sheet);
    await run(undefined);

    // Assess
    expect(seen).toEqual([{ ...DEFAULT_DEMAND_TERMS, guaranteedUsdPerGpuHour: 4.2 }, DEFAULT_DEMAND_TERMS]);
  });
});
