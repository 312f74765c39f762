import { ercotDeploymentProbabilities } from '../../../core/ancillary/deployment-history.js';
import { intervalPeakProbability } from '../../../core/forecast/four-cp.js';
import type { Plan, SitePlan } from '../../../core/model/plan.js';
import type { Site } from '../../../core/model/site.js';
import { holdServingForOpenWork, toPlan } from '../../../core/optimizer/dispatch.js';
import type { HighsSolver, SolveOptions } from '../../../core/optimizer/solve.js';
import { DEFAULT_DEMAND_TERMS, DEFAULT_GRID_TERMS } from '../../../core/optimizer/types.js';
import { carriedState, startStateOf } from '../../../core/strategies/carried-state.js';
import { type PlannerLayout, planHorizon } from '../../../core/strategies/planner.js';
import { snapshotOutlook } from '../outlook.js';
import type { PlanSolver, SolveRequest } from '../ports.js';

export interface HighsFleetSolverOptions {
  /** Loads the wasm solver once (core/optimizer/solve.ts `loadHighs`). */
  readonly highs: () => Promise<HighsSolver>;
  /** Horizon layout in market grid steps. @default DEPLOYED_LAYOUT */
  readonly layout?: PlannerLayout;
  /** Monotonic milliseconds for solve times. @default none (solve times 0) */
  readonly nowMs?: () => number;
  /** @default LP relaxation, as the backtest's mpc */
  readonly solve?: SolveOptions;
}

/** The backtest's mpc defaults on ERCOT's 15-minute grid: 24 h ahead, 6 h of single steps, then hourly blocks. */
export const DEPLOYED_LAYOUT: PlannerLayout = { horizonSteps: 96, fineSteps: 24, coarseBlock: 4 };

/**
 * The receding-horizon planner (core/strategies/planner.ts, the backtest's mpc) behind the dispatch port: per market
 * node, the sites there are planned on that node's outlook (known-at view and forecaster); each site starts from the
 * state the previous plan left it in (recent starts and stops included) plus its open work; the plan stores the state
 * it started from and what it forecast with. With no outlook for a node (no stored history), the snapshot's price is
 * held flat (`last-settled`).
 */
export class HighsFleetSolver implements PlanSolver {
  constructor(private readonly options: HighsFleetSolverOptions) {}

  async solve(request: SolveRequest): Promise<Plan> {
    const layout = this.options.layout ?? DEPLOYED_LAYOUT;
    const highs = await this.options.highs();
    const byNode = new Map<string, Site[]>();
    for (const site of request.fleet.sites) byNode.set(site.marketNode, [...(byNode.get(site.marketNode) ?? []), site]);
    const parts = [...byNode].map(([node, sites]) => {
      const outlook = request.outlook?.[node] ?? snapshotOutlook(request.market, node, request.nowMs);
      const stepMinutes = outlook.known.stepMinutes;
      const stepMs = stepMinutes * 60_000;
      const decisionMs = Math.floor(request.nowMs / stepMs) * stepMs;
      const states = sites.map((site) => {
        const carried = request.states?.[site.id] ?? carriedState(site, request.previous, request.nowMs);
        const openBids = request.openBids?.[site.id];
        return {
          ...carried,
          flexBacklog: request.demand?.[site.id]?.flexBacklog ?? [],
          ...(openBids?.length ? { openBids } : {}),
        };
      });
      const horizon = planHorizon(
        highs,
        outlook.forecaster,
        layout,
        {
          decisionMs,
          stepMinutes,
          known: outlook.known,
          sites,
          states,
          demand: sites.map((site) => {
            const arrivals = request.arrivals?.[site.id];
            return {
              guaranteedGpuHours: (k: number) => arrivals?.guaranteedGpuHours[k] ?? 0,
              flexGpuHours: (k: number) => arrivals?.flexGpuHours[k] ?? 0,
              openGuaranteedGpuHours: request.demand?.[site.id]?.guaranteedGpuHours ?? 0,
            };
          }),
          peakProbability: (k) => peakProbabilityAt(request, sites[0]!.id, decisionMs + k * stepMs, stepMinutes),
          demandTerms: request.demandTerms ?? DEFAULT_DEMAND_TERMS,
          gridTerms: DEFAULT_GRID_TERMS,
          coordination: sites.map((site) => request.coordination?.[site.id]),
          // Co-optimised with ancillary offers for qualified sites wherever the outlook knows capacity prices.
          ancillary: { deploymentProbability: ercotDeploymentProbabilities() },
        },
        { mode: 'lp', ...this.options.solve, ...(this.options.nowMs ? { nowMs: this.options.nowMs } : {}) },
      );
      const problem = { sites: horizon.problems };
      const plan = holdServingForOpenWork(
        problem,
        toPlan(problem, horizon.solution, {
          version: request.version,
          createdAtMs: request.nowMs,
          horizonStartMs: decisionMs,
          intervalMinutes: stepMinutes,
          gpuRevenueUsdPerGpuHour: request.market.gpuSpotUsdPerGpuHour,
        }),
      );
      const sitePlans: SitePlan[] = plan.sites.map((sitePlan, i) => ({
        ...withFlexServing(sitePlan, horizon.solution.sites[i]!.decisions, horizon.blocks),
        startState: startStateOf(states[i]!),
        ...bidGpuHoursOf(horizon.solution.sites[i]!.decisions[0]),
      }));
      return {
        plan: {
          ...plan,
          sites: sitePlans,
          forecast: {
            ...outlook.forecast,
            horizonHours: (horizon.blocks.reduce((a, b) => a + b, 0) * stepMinutes) / 60,
          },
        },
        solution: horizon.solution,
      };
    });
    return mergePlans(parts.map((p) => p.plan));
  }
}

/** The flex share of each interval's serving GPUs, from the decisions (toPlan keeps only the total). */
function withFlexServing(
  sitePlan: SitePlan,
  decisions: readonly { gpu: ReadonlyArray<{ poolId: string; servingFlex: number }> }[],
  blocks: readonly number[],
): SitePlan {
  const blockOf: number[] = blocks.flatMap((size, b) => new Array<number>(size).fill(b));
  return {
    ...sitePlan,
    intervals: sitePlan.intervals.map((interval, k) => ({
      ...interval,
      gpuPools: interval.gpuPools.map((pool) => {
        const flex = decisions[blockOf[k] ?? blocks.length - 1]?.gpu.find((g) => g.poolId === pool.poolId)?.servingFlex;
        return flex === undefined ? pool : { ...pool, gpusServingFlex: Math.min(flex, pool.gpusServing) };
      }),
    })),
  };
}

/** The plan's first-interval GPU-hours per bid, for the clearing; nothing when no bid was planned. */
function bidGpuHoursOf(decision: { bidGpuHours?: Readonly<Record<string, number>> } | undefined) {
  const planned = decision?.bidGpuHours;
  return planned && Object.keys(planned).length > 0 ? { bidGpuHours: { ...planned } } : {};
}

/** Plans of disjoint site sets, one per market node, as one plan (solver figures summed). */
function mergePlans(plans: readonly Plan[]): Plan {
  const first = plans[0]!;
  if (plans.length === 1) return first;
  return {
    ...first,
    sites: plans.flatMap((p) => p.sites),
    solver: {
      ...first.solver,
      status: plans.find((p) => p.solver.status !== 'Optimal')?.solver.status ?? first.solver.status,
      objectiveUsd: plans.reduce((a, p) => a + p.solver.objectiveUsd, 0),
      solveMs: plans.reduce((a, p) => a + p.solver.solveMs, 0),
    },
  };
}

const concerns = (siteIds: readonly string[], siteId: string) => siteIds.length === 0 || siteIds.includes(siteId);
const during = (event: { startsAt: string; endsAt: string }, atMs: number) =>
  Date.parse(event.startsAt) <= atMs && atMs < Date.parse(event.endsAt);

/**
 * The probability that the interval at `atMs` is a 4CP peak: the 4CP forecaster's, from the system load stored in
 * the market history as known at the decision; without stored load, the snapshot's announced 4CP windows (a 4CP
 * alert feed; the synthetic market's stand-in) hold their probability.
 */
function peakProbabilityAt(request: SolveRequest, siteId: string, atMs: number, stepMinutes: number): number {
  if (request.fourCp) return intervalPeakProbability(request.fourCp, atMs, stepMinutes);
  const peaks = request.market.gridEvents.filter(
    (e) => e.kind === '4cp-peak' && concerns(e.siteIds, siteId) && during(e, atMs),
  );
  return Math.max(0, ...peaks.map((e) => e.probability ?? 0));
}
