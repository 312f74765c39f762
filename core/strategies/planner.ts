import { bidBlocks, siteBidGpuHoursPerHour } from '../bids/demand-curve.js';
import type { PriceForecaster } from '../forecast/types.js';
import { drInForce, type KnownAtView } from '../market-data/known-at.js';
import type { Site } from '../model/site.js';
import { combineSites, type FleetSolution, solveFleet } from '../optimizer/dispatch.js';
import { solveSiteScenarios } from '../optimizer/scenarios.js';
import type { HighsSolver, SolveOptions } from '../optimizer/solve.js';
import type { DemandClassTerms, GridTerms, SiteDecision, SiteProblem, SiteState } from '../optimizer/types.js';
import { type AncillaryPlanning, ancillaryTermsFor } from './ancillary-terms.js';
import { buildHorizon, horizonBlocks } from './context.js';

/**
 * The receding-horizon planner: the one model both the backtest's mpc (core/strategies/strategies.ts) and the
 * deployed OptimizeFlow solve (functions/optimizer) run. It reads the market only through a known-at view, forecasts
 * the price with the forecaster it is handed, lays the horizon out as fine steps then coarse blocks, plans GPUs for the
 * demand model's arrivals plus the work open now, and starts from each site's state (units on, recent starts and stops
 * for minimum up/down times, flex backlog, open bids). Pure: the solver and the forecaster are passed in.
 */

/** Horizon layout, in market grid steps. */
export interface PlannerLayout {
  readonly horizonSteps: number;
  /** Single grid steps at the start of the horizon; blocks of `coarseBlock` steps after. */
  readonly fineSteps: number;
  readonly coarseBlock: number;
}

/** A site's GPU work as the planner expects it, by grid step from the decision (offset 0 is the decision's step). */
export interface DemandOutlook {
  /** The demand model's expected guaranteed arrivals, H100-equivalent GPU-hours per step. */
  readonly guaranteedGpuHours: (offset: number) => number;
  readonly flexGpuHours: (offset: number) => number;
  /** Guaranteed work already open at the decision, served in its first step. @default 0 */
  readonly openGuaranteedGpuHours?: number;
}

/** Fleet-cap coordination handed in from outside (a Map over sites): per site, by horizon step (block). */
export interface SiteCoordination {
  /** Lagrangian price of the shared cap added to energy, $/MWh per horizon step. */
  readonly couplingPriceUsdPerMwh?: readonly number[];
  /** The site's share of the shared cap, kW per horizon step. */
  readonly capKw?: readonly number[];
}

export interface PlanningRequest {
  /** Start of the first planned grid step, epoch ms; the decision is taken at it. */
  readonly decisionMs: number;
  /** The market's grid step (the known-at view's), minutes. */
  readonly stepMinutes: number;
  /** Grid steps the horizon may cover (a backtest stops at the end of its data). @default the layout's horizon */
  readonly stepsAvailable?: number;
  readonly known: KnownAtView;
  readonly sites: readonly Site[];
  readonly states: readonly SiteState[];
  readonly demand: readonly DemandOutlook[];
  /** 4CP peak probability by grid step offset. @default none */
  readonly peakProbability?: (offset: number) => number;
  readonly demandTerms: DemandClassTerms;
  readonly gridTerms: GridTerms;
  /** Per site (same order as `sites`). @default none */
  readonly coordination?: readonly (SiteCoordination | undefined)[];
  /** A fleet-wide cap coordinated in-process (core/optimizer/dispatch.ts), kW per horizon step. @default none */
  readonly portfolioCapKw?: readonly number[];
  /**
   * Co-optimise ancillary capacity offers (issue 25): each site with an ancillary registration offers where the known
   * view holds capacity prices. @default energy only
   */
  readonly ancillary?: AncillaryPlanning;
}

export interface HorizonPlan {
  /** Grid steps per horizon step. */
  readonly blocks: readonly number[];
  readonly problems: readonly SiteProblem[];
  readonly solution: FleetSolution;
  /** The forecast price of each grid step of the horizon. */
  readonly forecastUsdPerMwh: readonly number[];
  readonly forecaster: string;
}

/** exp(2.3 σ) for the lognormal noise of the default scenario (σ ≈ 0.15–0.2): about the 99th percentile. */
export const GUARANTEED_HEADROOM = 1.5;

/** The layout's blocks cut at the steps available: padding would plan for intervals (and arrivals) that never come. */
function layoutBlocks(layout: PlannerLayout, stepsAvailable: number): number[] {
  const trimmed: number[] = [];
  let left = stepsAvailable;
  for (const size of horizonBlocks(layout.horizonSteps, layout.fineSteps, layout.coarseBlock)) {
    if (left <= 0) break;
    trimmed.push(Math.min(size, left));
    left -= size;
  }
  return trimmed;
}

/** The forecaster's prices for `steps` grid steps from the decision, from the known-at view only. */
export function forecastFrom(
  forecaster: PriceForecaster,
  known: KnownAtView,
  decisionMs: number,
  steps: number,
): number[] {
  return fromDecision(known, decisionMs, steps, (n) => forecaster.forecast(known, n).pointUsdPerMwh);
}

/** The forecaster's price paths (the first its point) for `steps` grid steps from the decision; [point] without. */
export function pathsFrom(
  forecaster: PriceForecaster,
  known: KnownAtView,
  decisionMs: number,
  steps: number,
): number[][] {
  if (!forecaster.paths) return [forecastFrom(forecaster, known, decisionMs, steps)];
  const paths = forecaster.paths(known, steps + leadOf(known, decisionMs));
  return paths.map((path) => fromDecision(known, decisionMs, steps, () => path));
}

/** Intervals between the last published price and the decision: unknown too, so a forecast starts before it. */
function leadOf(known: KnownAtView, decisionMs: number): number {
  return Math.round((decisionMs - known.startMs) / (known.stepMinutes * 60_000)) - known.rtUsdPerMwh.length;
}

function fromDecision(
  known: KnownAtView,
  decisionMs: number,
  steps: number,
  series: (length: number) => readonly number[],
): number[] {
  const lead = leadOf(known, decisionMs);
  const values = series(lead + steps);
  return Array.from({ length: steps }, (_, k) => values[lead + k] ?? values[values.length - 1]!);
}

export function planHorizon(
  highs: HighsSolver,
  forecaster: PriceForecaster,
  layout: PlannerLayout,
  request: PlanningRequest,
  solve?: SolveOptions,
): HorizonPlan {
  if (request.known.stepMinutes !== request.stepMinutes) {
    throw new RangeError(
      `planner: stepMinutes ${request.stepMinutes} differs from the market view's ${request.known.stepMinutes}`,
    );
  }
  const stepsAvailable = Math.min(layout.horizonSteps, request.stepsAvailable ?? layout.horizonSteps);
  const blocks = layoutBlocks(layout, stepsAvailable);
  const paths = pathsFrom(forecaster, request.known, request.decisionMs, layout.horizonSteps);
  const forecastUsdPerMwh = paths[0]!;
  // A deployment is known once noticed, and planned for the current interval only.
  const deployed = drInForce(request.known, request.decisionMs);
  const peakProbability = Array.from({ length: stepsAvailable }, (_, k) => request.peakProbability?.(k) ?? 0);
  const grid = { stepMinutes: request.stepMinutes, steps: stepsAvailable };
  const firstGridIndex = Math.round((request.decisionMs - request.known.startMs) / (request.stepMinutes * 60_000));
  const problemsOn = (prices: readonly number[]) =>
    request.sites.map((site, s): SiteProblem => {
      const demand = request.demand[s]!;
      const coordination = request.coordination?.[s];
      const ancillary = request.ancillary
        ? ancillaryTermsFor(site, request.known, firstGridIndex, blocks, request.ancillary)
        : undefined;
      // Open bids routed to the site (its state) are the demand curve beside mining (issue 28).
      const intervalGpuHours = (modelClass: string) =>
        siteBidGpuHoursPerHour(site, modelClass) * (request.stepMinutes / 60);
      const bids = bidBlocks(request.states[s]!.openBids ?? [], request.decisionMs, intervalGpuHours);
      return {
        site,
        horizon: buildHorizon(grid, 0, blocks, {
          price: (k) => prices[k]!,
          hashprice: () => request.known.hashpriceUsdPerThDay,
          // GPUs are planned for high-quantile guaranteed demand: an idle powered H100 costs ~90 W, an unserved
          // GPU-hour the SLA penalty, so headroom is cheap.
          guaranteed: (k) =>
            demand.guaranteedGpuHours(k) * GUARANTEED_HEADROOM + (k === 0 ? (demand.openGuaranteedGpuHours ?? 0) : 0),
          flex: (k) => demand.flexGpuHours(k),
          dr: (k) => k === 0 && deployed,
          peak: (k) => peakProbability[k] ?? 0,
        }),
        state: request.states[s]!,
        demand: request.demandTerms,
        grid: request.gridTerms,
        terminalBacklog: true,
        ...(coordination?.couplingPriceUsdPerMwh
          ? { couplingPriceUsdPerMwh: coordination.couplingPriceUsdPerMwh }
          : {}),
        ...(coordination?.capKw ? { capKw: coordination.capKw } : {}),
        ...(ancillary ? { ancillary } : {}),
        ...(bids.length ? { bids } : {}),
      };
    });
  // The first path is the point forecast: its problems are the single-path plan's.
  const byPath = paths.map(problemsOn);
  const problems = byPath[0]!;
  if (paths.length > 1) {
    // Scenario planning: each site over every path, the first step shared (core/optimizer/scenarios.ts).
    if (request.portfolioCapKw) throw new RangeError('planner: price paths are not planned under a portfolio cap');
    const sites = problems.map((_, s) =>
      solveSiteScenarios(
        highs,
        byPath.map((onPath) => onPath[s]!),
        solve,
      ),
    );
    return { blocks, problems, solution: combineSites(sites), forecastUsdPerMwh, forecaster: forecaster.name };
  }
  const solution = solveFleet(
    highs,
    { sites: problems, ...(request.portfolioCapKw ? { portfolioCapKw: request.portfolioCapKw } : {}) },
    solve,
  );
  return { blocks, problems, solution, forecastUsdPerMwh, forecaster: forecaster.name };
}

/** The best single-interval forecast with what is known now: the last settled price, held flat. */
export const lastSettledForecaster: PriceForecaster = {
  name: 'last-settled',
  forecast: (h, steps) => ({
    startMs: h.startMs + h.rtUsdPerMwh.length * h.stepMinutes * 60_000,
    stepMinutes: h.stepMinutes,
    pointUsdPerMwh: new Array<number>(steps).fill(h.rtUsdPerMwh[h.rtUsdPerMwh.length - 1] ?? 0),
    spikeProbability: new Array<number>(steps).fill(0),
  }),
};

/** Each site's first `commit` grid steps of a plan (a coarse block's decision holds over its steps). */
export function committedSteps(plan: Pick<HorizonPlan, 'blocks' | 'solution'>, commit: number): SiteDecision[][] {
  return plan.solution.sites.map((solution) => {
    const out: SiteDecision[] = [];
    plan.blocks.forEach((size, b) => {
      for (let i = 0; i < size && out.length < commit; i += 1) out.push(solution.decisions[b]!);
    });
    return out;
  });
}
