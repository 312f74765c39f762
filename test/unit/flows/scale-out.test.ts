import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { Plan } from '../../../core/model/plan.js';
import type { CoordinationRound } from '../../../core/optimizer/coordination.js';
import { fixedClock } from '../../../core/support/clock.js';
import { LadderSolver } from '../../../functions/optimizer/adapters/ladder-solver.js';
import { StaticFleetSource } from '../../../functions/optimizer/adapters/static-fleet-source.js';
import type { DispatchContext, DispatchWorkspace } from '../../../functions/optimizer/ports.js';
import { createScaleOutSteps, type ScaleOutDeps } from '../../../functions/optimizer/scale-out.js';
import { createOptimizeSteps, type OptimizeStepDeps } from '../../../functions/optimizer/steps.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';

const NOW = Date.parse('2026-11-28T12:03:00Z');
const market = marketSnapshotAt(NOW, { HB_WEST: 25, HB_SOUTH: 25, HB_NORTH: 25 });

/** The workspace in memory, keyed as the DynamoDB adapter keys it. */
function memoryWorkspace(): DispatchWorkspace {
  const items = new Map<string, unknown>();
  return {
    putContext: async (d, c) => void items.set(`${d}/CONTEXT`, c),
    getContext: async (d) => items.get(`${d}/CONTEXT`) as DispatchContext | undefined,
    putRound: async (d, r) => void items.set(`${d}/ROUND#${r.iteration}`, r),
    getRound: async (d, k) => items.get(`${d}/ROUND#${k}`) as CoordinationRound | undefined,
    putBatch: async (d, k, plan) => void items.set(`${d}/BATCH#${k}#${plan.sites[0]!.siteId}`, plan),
    getBatch: async (d, k, first) => items.get(`${d}/BATCH#${k}#${first}`) as Plan | undefined,
    listBatches: async (d, k) =>
      [...items].filter(([key]) => key.startsWith(`${d}/BATCH#${k}#`)).map(([, plan]) => plan as Plan),
  };
}

function scaleOut(leases?: ScaleOutDeps['leases']) {
  const drafts = new Map<string, Plan>();
  const deps: OptimizeStepDeps = {
    fleet: new StaticFleetSource(referenceFleet),
    market: { latest: async () => market },
    plans: {
      save: async () => ({ ok: true, version: 1 }),
      loadCurrent: async () => undefined,
      loadVersion: async () => undefined,
      listHistory: async () => [],
    },
    switchStates: { get: async () => undefined },
    drafts: { put: async (id, plan) => void drafts.set(id, plan), get: async (id) => drafts.get(id) },
    solver: new LadderSolver(),
    clock: fixedClock(NOW),
  };
  return {
    drafts,
    deps,
    steps: createScaleOutSteps({
      ...deps,
      workspace: memoryWorkspace(),
      steps: createOptimizeSteps(deps),
      ...(leases ? { leases } : {}),
    }),
  };
}

/** Leases holding `epochs` (site → epoch); `refused` names the sites a save would now be refused for. */
function leasesHolding(epochs: Record<string, number>, refused: string[] = []): NonNullable<ScaleOutDeps['leases']> {
  return {
    heldEpochs: async (siteIds) => new Map(siteIds.flatMap((id) => (epochs[id] ? [[id, epochs[id]]] : []))),
    refusePlan: async () => refused.map((siteId) => ({ siteId, reason: 'not-held' })),
  };
}

describe('the scaled-out solve steps', () => {
  it('dispatches only the sites whose lease this region holds, and stops a region that holds none', async () => {
    // Prepare
    const holding = (ids: string[]) => leasesHolding(Object.fromEntries(ids.map((id) => [id, 1])));
    // Act
    const some = await scaleOut(holding(['site-north-1'])).steps.prepare({
      draftId: 'd1',
      sitesPerInvocation: 2,
      maxPriceRounds: 3,
    });
    const none = scaleOut(holding([])).steps.prepare({ draftId: 'd2', sitesPerInvocation: 2, maxPriceRounds: 3 });
    // Assess
    expect(some).toMatchObject({ siteCount: 1, batches: [{ siteIds: ['site-north-1'] }] });
    await expect(none).rejects.toMatchObject({ name: 'NotLeaseHolder' });
  });

  it("writes the held sites' lease epochs on the plan draft, and saves no plan once a lease moved", async () => {
    // Prepare
    const saved: Plan[] = [];
    const leases = leasesHolding({ 'site-north-1': 4, 'site-west-1': 2 });
    const { steps, drafts, deps } = scaleOut(leases);
    const { batches } = await steps.prepare({ draftId: 'd1', sitesPerInvocation: 5, maxPriceRounds: 3 });
    for (const batch of batches) await steps.solveBatch({ draftId: 'd1', iteration: 0, ...batch });
    await steps.coordinate({ draftId: 'd1', iteration: 0 });
    const persistUnder = (refused: string[]) =>
      createOptimizeSteps({
        ...deps,
        plans: {
          ...deps.plans,
          save: async (plan) => {
            saved.push(plan);
            return { ok: true, version: plan.version };
          },
        },
        leases: leasesHolding({}, refused),
      }).persist({ draftId: 'd1' });

    // Act
    const fenced = persistUnder(['site-north-1']);
    await expect(fenced).rejects.toMatchObject({ name: 'PlanFenced' });
    const held = await persistUnder([]);

    // Assess
    expect(drafts.get('d1')?.leaseEpochs).toEqual({ 'site-west-1': 2, 'site-north-1': 4 });
    expect(saved.map((plan) => plan.leaseEpochs)).toEqual([{ 'site-west-1': 2, 'site-north-1': 4 }]);
    expect(held.planVersion).toBe(1);
  });

  it('splits the fleet into batches of the given size, in fleet order', async () => {
    // Act
    const prepared = await scaleOut().steps.prepare({ draftId: 'd1', sitesPerInvocation: 2, maxPriceRounds: 3 });

    // Assess
    expect(prepared).toMatchObject({ version: 1, siteCount: 3 });
    expect(prepared.batches).toEqual([{ siteIds: ['site-west-1', 'site-south-1'] }, { siteIds: ['site-north-1'] }]);
  });

  it('rejects a prepare input whose batch size is not a positive integer, naming the field', async () => {
    // Act
    const prepare = scaleOut().steps.prepare({ draftId: 'd1', sitesPerInvocation: 0, maxPriceRounds: 3 });

    // Assess
    await expect(prepare).rejects.toThrow(/sitesPerInvocation/);
  });

  it('without a fleet cap, ends after one round with every site in the draft in fleet order', async () => {
    // Prepare
    const { steps, drafts } = scaleOut();
    const { batches } = await steps.prepare({ draftId: 'd1', sitesPerInvocation: 1, maxPriceRounds: 3 });

    // Act: the Map's iterations in reverse order, then the coordinator.
    for (const batch of [...batches].reverse()) await steps.solveBatch({ draftId: 'd1', iteration: 0, ...batch });
    const round = await steps.coordinate({ draftId: 'd1', iteration: 0 });

    // Assess
    expect(round).toEqual({ iteration: 0, done: true, maxExcessKw: 0 });
    expect(drafts.get('d1')?.sites.map((s) => s.siteId)).toEqual(['site-west-1', 'site-south-1', 'site-north-1']);
  });

  it('fails the coordination when a batch of the round has no plan', async () => {
    // Prepare
    const { steps } = scaleOut();
    const { batches } = await steps.prepare({ draftId: 'd1', sitesPerInvocation: 1, maxPriceRounds: 3 });
    await steps.solveBatch({ draftId: 'd1', iteration: 0, ...batches[0]! });

    // Act
    const coordinate = steps.coordinate({ draftId: 'd1', iteration: 0 });

    // Assess
    await expect(coordinate).rejects.toMatchObject({ name: 'SiteBatchMissing' });
  });
});
