import type { MarketSnapshot } from '../../../core/model/market.js';
import type { Plan } from '../../../core/model/plan.js';
import type { Site } from '../../../core/model/site.js';
import { type FleetProblem, holdServingForOpenWork, solveFleet, toPlan } from '../../../core/optimizer/dispatch.js';
import type { HighsSolver, SolveOptions } from '../../../core/optimizer/solve.js';
import {
  DEFAULT_DEMAND_TERMS,
  DEFAULT_GRID_TERMS,
  type SiteProblem,
  type SiteState,
} from '../../../core/optimizer/types.js';
import { initialSiteState } from '../../../core/strategies/simulate.js';
import { intervalAt } from '../../../core/switching/diff.js';
import type { PlanSolver, SolveRequest } from '../ports.js';

export interface HighsFleetSolverOptions {
  /** Loads the wasm solver once (core/optimizer/solve.ts `loadHighs`). */
  readonly highs: () => Promise<HighsSolver>;
  /** @default 5 */
  readonly intervalMinutes?: number;
  /** @default 12 (one hour: the next dispatch replaces the plan long before it runs out) */
  readonly horizonIntervals?: number;
  /** Monotonic milliseconds for solve times. @default none (solve times 0) */
  readonly nowMs?: () => number;
  readonly solve?: SolveOptions;
}

/**
 * The core optimizer (per-site LP/MILP on HiGHS, core/optimizer/dispatch.ts) behind the dispatch port. The market
 * snapshot gives one price per node, held flat over the horizon (a persistence forecast: the real-time price is the
 * best one-hour predictor without a forecaster fed with history); demand-response events of the snapshot mark their
 * steps; the previous plan's setpoints in force are the units' starting state, so minimum up/down times hold.
 */
export class HighsFleetSolver implements PlanSolver {
  constructor(private readonly options: HighsFleetSolverOptions) {}

  async solve(request: SolveRequest): Promise<Plan> {
    const intervalMinutes = this.options.intervalMinutes ?? 5;
    const steps = this.options.horizonIntervals ?? 12;
    const stepMs = intervalMinutes * 60_000;
    const horizonStartMs = Math.floor(request.nowMs / stepMs) * stepMs;
    const problem: FleetProblem = {
      sites: request.fleet.sites.map((site) => siteProblem(site, request, { steps, stepMs, horizonStartMs })),
    };
    const highs = await this.options.highs();
    const solution = solveFleet(highs, problem, {
      ...this.options.solve,
      ...(this.options.nowMs ? { nowMs: this.options.nowMs } : {}),
    });
    const plan = toPlan(problem, solution, {
      version: request.version,
      createdAtMs: request.nowMs,
      horizonStartMs,
      intervalMinutes,
      gpuRevenueUsdPerGpuHour: request.market.gpuSpotUsdPerGpuHour,
    });
    return holdServingForOpenWork(problem, plan);
  }
}

function siteProblem(
  site: Site,
  request: SolveRequest,
  grid: { steps: number; stepMs: number; horizonStartMs: number },
): SiteProblem {
  const price = request.market.prices.find((p) => p.node === site.marketNode)?.realTimeUsdPerMwh;
  if (price === undefined)
    throw new RangeError(`market snapshot ${request.market.at} has no price at ${site.marketNode}`);
  const flat = <T>(value: T) => Array.from({ length: grid.steps }, () => value);
  const demand = request.demand?.[site.id];
  const stepStarts = Array.from({ length: grid.steps }, (_, t) => grid.horizonStartMs + t * grid.stepMs);
  return {
    site,
    horizon: {
      stepHours: flat(grid.stepMs / 3_600_000),
      priceUsdPerMwh: flat(price),
      hashpriceUsdPerThDay: flat(request.market.hashprice.hashpriceUsdPerThDay),
      // The open work arrives now; no forecast of later arrivals yet (the next dispatch sees them).
      guaranteedArrivalsGpuHours: flat(0).map((zero, t) => (t === 0 ? (demand?.guaranteedGpuHours ?? 0) : zero)),
      flexArrivalsGpuHours: flat(0),
      drDeployed: stepStarts.map((atMs) => demandResponseAt(request.market, site.id, atMs)),
      peakProbability: stepStarts.map((atMs) => peakProbabilityAt(request.market, site.id, atMs)),
    },
    state: { ...startingState(site, request.previous, request.nowMs), flexBacklog: demand?.flexBacklog ?? [] },
    demand: request.demandTerms ?? DEFAULT_DEMAND_TERMS,
    grid: DEFAULT_GRID_TERMS,
    // One horizon step per plan interval here, so the coupling's per-interval arrays apply as they are.
    ...request.coupling?.[site.id],
  };
}

const concerns = (siteIds: readonly string[], siteId: string) => siteIds.length === 0 || siteIds.includes(siteId);
const during = (event: { startsAt: string; endsAt: string }, atMs: number) =>
  Date.parse(event.startsAt) <= atMs && atMs < Date.parse(event.endsAt);

function demandResponseAt(market: MarketSnapshot, siteId: string, atMs: number): boolean {
  return market.gridEvents.some((e) => e.kind === 'demand-response' && concerns(e.siteIds, siteId) && during(e, atMs));
}

function peakProbabilityAt(market: MarketSnapshot, siteId: string, atMs: number): number {
  const peaks = market.gridEvents.filter(
    (e) => e.kind === '4cp-peak' && concerns(e.siteIds, siteId) && during(e, atMs),
  );
  return Math.max(0, ...peaks.map((e) => e.probability ?? 0));
}

/** Where the site stands: the previous plan's setpoints in force, or everything on when there is none. */
function startingState(site: Site, previous: Plan | undefined, nowMs: number): SiteState {
  const initial = initialSiteState(site);
  const planned = previous?.sites.find((s) => s.siteId === site.id);
  if (!planned) return initial;
  const interval = intervalAt(planned, nowMs);
  return {
    ...initial,
    unitsOn: { ...initial.unitsOn, ...Object.fromEntries(interval.asicGroups.map((g) => [g.groupId, g.unitsOn])) },
    gpusPowered: {
      ...initial.gpusPowered,
      ...Object.fromEntries(interval.gpuPools.map((p) => [p.poolId, p.gpusPowered])),
    },
    drBaselineKw: interval.sitePowerKw,
  };
}
