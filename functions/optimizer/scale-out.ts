import { z } from 'zod';
import type { Plan } from '../../core/model/plan.js';
import {
  afterRound,
  type CoordinationRound,
  capShareKw,
  firstRound,
  fleetTotalKw,
} from '../../core/optimizer/coordination.js';
import type { SiteCoordination } from '../../core/strategies/planner.js';
import { parseOrThrow } from '../../core/support/validation.js';
import { OPTIMIZE_STATES } from '../shared/flow-states.js';
import type { DispatchWorkspace } from './ports.js';
import { siteDrawKw, solveSiteBatch } from './site-batch.js';
import { OPTIMIZE_ERRORS, type OptimizeStepDeps, OptimizeStepError, type OptimizeSteps } from './steps.js';

/**
 * The OptimizeFlow's solve, scaled out over sites: prepare (pin the inputs, split the fleet into batches) → a Map solves
 * every batch under the round's terms → coordinate (check the fleet cap, price or share it for the next round, or
 * assemble the plan draft) → again until done (core/optimizer/coordination.ts states the rule). Without a fleet cap
 * the first round is the last. The state machine carries ids and counts; the workspace holds inputs and results.
 */

export type ScaleOutDeps = Pick<OptimizeStepDeps, 'fleet' | 'market' | 'plans' | 'drafts' | 'clock' | 'leases'> & {
  readonly workspace: DispatchWorkspace;
  /** The solve use case (steps.ts): the Map's batches call its per-site entry. */
  readonly steps: Pick<OptimizeSteps, 'solveSites'>;
};

export const SCALE_OUT_ERRORS = { batchMissing: 'SiteBatchMissing', contextMissing: 'DispatchContextMissing' } as const;

const id = z.string().min(1).max(256);
const prepareInput = z.strictObject({
  draftId: id,
  /** Sites one Map iteration (one Lambda invocation) solves. */
  sitesPerInvocation: z.number().int().min(1).max(500),
  /** λ rounds before the share round (core/optimizer/coordination.ts). */
  maxPriceRounds: z.number().int().min(0).max(20),
  fleetCapKw: z.number().positive().finite().nullish(),
});
const batchInput = z.strictObject({
  draftId: id,
  iteration: z.number().int().min(0),
  siteIds: z.array(id).min(1).max(500),
});
const coordinateInput = z.strictObject({ draftId: id, iteration: z.number().int().min(0) });

export interface PreparedDispatch {
  readonly draftId: string;
  readonly version: number;
  readonly siteCount: number;
  readonly batches: Array<{ siteIds: string[] }>;
}

export interface RoundResult {
  /** The round to solve next, or the last one solved when done. */
  readonly iteration: number;
  readonly done: boolean;
  /** The fleet's largest excess over its cap in the round just solved, kW (0 without a cap). */
  readonly maxExcessKw: number;
}

export function createScaleOutSteps(deps: ScaleOutDeps) {
  async function context(draftId: string) {
    const found = await deps.workspace.getContext(draftId);
    if (!found) throw new OptimizeStepError(SCALE_OUT_ERRORS.contextMissing, `no dispatch context for ${draftId}`);
    return found;
  }

  async function round(draftId: string, iteration: number): Promise<CoordinationRound> {
    const found = await deps.workspace.getRound(draftId, iteration);
    if (!found) throw new OptimizeStepError(SCALE_OUT_ERRORS.contextMissing, `no round ${iteration} for ${draftId}`);
    return found;
  }

  /** Each site's terms in the round: the λ prices, and in the share round its share from its draw of the last round. */
  async function coordination(draftId: string, terms: CoordinationRound, siteIds: readonly string[]) {
    const { couplingPriceUsdPerMwh, share } = terms;
    if (couplingPriceUsdPerMwh.length === 0 && !share) return undefined;
    const last = share ? await deps.workspace.getBatch(draftId, terms.iteration - 1, siteIds[0]!) : undefined;
    if (share && !last) {
      throw new OptimizeStepError(SCALE_OUT_ERRORS.batchMissing, `no round ${terms.iteration - 1} plan for the batch`);
    }
    return Object.fromEntries(
      siteIds.map((siteId): [string, SiteCoordination] => [
        siteId,
        {
          couplingPriceUsdPerMwh,
          ...(share && last ? { capKw: capShareKw(share, siteDrawKw(last, siteId)) } : {}),
        },
      ]),
    );
  }

  return {
    /** Pins the run's inputs, writes the uncoupled first round and splits the fleet into the Map's batches. */
    async prepare(event: unknown): Promise<PreparedDispatch> {
      const input = parseOrThrow(prepareInput, event, 'prepare input');
      const [fleet, market, previous] = await Promise.all([
        deps.fleet.load(),
        deps.market.latest(),
        deps.plans.loadCurrent(),
      ]);
      // Fails the run before the Map fans out, as a batch would (solveSites reads the newest snapshot itself).
      if (!market) throw new OptimizeStepError(OPTIMIZE_ERRORS.noMarketData, 'no market snapshot has been ingested');
      const fleetIds = fleet.sites.map((site) => site.id);
      const held = deps.leases ? await deps.leases.heldEpochs(fleetIds) : undefined;
      const siteIds = held ? fleetIds.filter((siteId) => held.has(siteId)) : fleetIds;
      if (held && siteIds.length === 0 && fleetIds.length > 0) {
        throw new OptimizeStepError(OPTIMIZE_ERRORS.notLeaseHolder, 'this region holds no site lease: nothing to plan');
      }
      const version = (previous?.version ?? 0) + 1;
      await deps.workspace.putContext(input.draftId, {
        version,
        nowMs: deps.clock.nowMs(),
        siteIds,
        // The plan carries them to its save, which refuses it if a lease moved meanwhile.
        ...(held ? { leaseEpochs: Object.fromEntries(held) } : {}),
        ...(input.fleetCapKw ? { fleetCapKw: input.fleetCapKw } : {}),
        maxPriceRounds: input.maxPriceRounds,
      });
      await deps.workspace.putRound(input.draftId, firstRound());
      const batches = [];
      for (let i = 0; i < siteIds.length; i += input.sitesPerInvocation) {
        batches.push({ siteIds: siteIds.slice(i, i + input.sitesPerInvocation) });
      }
      return { draftId: input.draftId, version, siteCount: siteIds.length, batches };
    },

    /** One Map iteration: the batch's sites solved under the round's terms; its plan kept for the coordinator. */
    async solveBatch(event: unknown): Promise<{ siteCount: number; solveMs: number }> {
      const { draftId, iteration, siteIds } = parseOrThrow(batchInput, event, 'solve batch input');
      const [ctx, terms] = await Promise.all([context(draftId), round(draftId, iteration)]);
      const siteCoordination = await coordination(draftId, terms, siteIds);
      const { plan } = await solveSiteBatch(deps.steps, {
        nowMs: ctx.nowMs,
        siteIds,
        ...(siteCoordination ? { coordination: siteCoordination } : {}),
      });
      await deps.workspace.putBatch(draftId, iteration, plan);
      return { siteCount: siteIds.length, solveMs: plan.solver.solveMs };
    },

    /** After every batch of a round: done (the plan draft saved) or the next round's terms. */
    async coordinate(event: unknown): Promise<RoundResult> {
      const { draftId, iteration } = parseOrThrow(coordinateInput, event, 'coordinate input');
      const [ctx, terms, batches] = await Promise.all([
        context(draftId),
        round(draftId, iteration),
        deps.workspace.listBatches(draftId, iteration),
      ]);
      const sites = new Map(batches.flatMap((batch) => batch.sites.map((site) => [site.siteId, site])));
      const missing = ctx.siteIds.filter((siteId) => !sites.has(siteId));
      if (missing.length > 0) {
        throw new OptimizeStepError(
          SCALE_OUT_ERRORS.batchMissing,
          `round ${iteration} has no plan for ${missing.length} site(s), e.g. ${missing[0]}`,
        );
      }
      const draws = ctx.siteIds.map((siteId) => sites.get(siteId)!.intervals.map((i) => i.sitePowerKw));
      const steps = Math.max(...draws.map((d) => d.length));
      const totalKw = fleetTotalKw(draws, steps);
      const capKw = new Array<number>(steps).fill(ctx.fleetCapKw ?? Number.POSITIVE_INFINITY);
      const maxExcessKw = Math.max(0, ...totalKw.map((total, t) => total - capKw[t]!));
      const outcome = ctx.fleetCapKw
        ? afterRound(terms, capKw, totalKw, ctx.maxPriceRounds)
        : ({ done: true } as const);
      if (!outcome.done) {
        await deps.workspace.putRound(draftId, outcome.next);
        return { iteration: outcome.next.iteration, done: false, maxExcessKw };
      }
      const plan = assemble(batches, ctx.siteIds, terms);
      await deps.drafts.put(draftId, ctx.leaseEpochs ? { ...plan, leaseEpochs: ctx.leaseEpochs } : plan);
      return { iteration, done: true, maxExcessKw };
    },
  };
}

export type ScaleOutSteps = ReturnType<typeof createScaleOutSteps>;

/**
 * The fleet's plan from the last round's batch plans: the sites in fleet order, the solver figures summed; the
 * objective gives back the λ the sites paid for energy (an internal price, not a cost of the fleet).
 */
function assemble(batches: readonly Plan[], siteIds: readonly string[], terms: CoordinationRound): Plan {
  const first = batches[0]!;
  const bySite = new Map(batches.flatMap((batch) => batch.sites.map((site) => [site.siteId, site])));
  const sites = siteIds.map((siteId) => bySite.get(siteId)!);
  const hours = first.intervalMinutes / 60;
  const couplingUsd = sites.reduce(
    (sum, site) =>
      sum +
      site.intervals.reduce(
        (a, interval, t) => a + ((terms.couplingPriceUsdPerMwh[t] ?? 0) * interval.sitePowerKw * hours) / 1000,
        0,
      ),
    0,
  );
  const notOptimal = batches.find((b) => b.solver.status !== 'Optimal');
  const gaps = batches.flatMap((b) => (b.solver.mipGapPct === undefined ? [] : [b.solver.mipGapPct]));
  return {
    ...first,
    sites,
    solver: {
      mode: first.solver.mode,
      status: notOptimal?.solver.status ?? first.solver.status,
      objectiveUsd: batches.reduce((a, b) => a + b.solver.objectiveUsd, 0) + couplingUsd,
      ...(gaps.length > 0 ? { mipGapPct: Math.max(...gaps) } : {}),
      solveMs: batches.reduce((a, b) => a + b.solver.solveMs, 0),
    },
  };
}

export function scaleOutStepHandlers(steps: ScaleOutSteps) {
  return {
    [OPTIMIZE_STATES.prepare]: steps.prepare,
    [OPTIMIZE_STATES.solveBatch]: steps.solveBatch,
    [OPTIMIZE_STATES.coordinate]: steps.coordinate,
  };
}
