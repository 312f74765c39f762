import { meritOrderLadder } from '../economics/ladder.js';
import type { Plan, SitePlan } from '../model/plan.js';
import { afterRound, capShareKw, firstRound, fleetTotalKw } from './coordination.js';
import { gpusServing, type HighsSolver, type SiteSolution, type SolveOptions, solveSite } from './solve.js';
import type { SiteProblem } from './types.js';

/**
 * One dispatch decision for a fleet.
 *
 * Decomposition: every constraint of issue 3 is site-local (interconnect cap, PUE, DR baseline and commitment, device
 * groups, GPU pools, backlogs of the work routed to the site), so without a shared constraint the fleet problem is the
 * sum of independent site problems and is solved site by site (exactly, not approximately). The one coupling modelled is
 * an optional portfolio cap on the fleet's total draw (a shared supply contract or a fleet-wide DR commitment). It is
 * handled by price coordination, round by round (coordination.ts: λ rounds, then one share round); the OptimizeFlow runs
 * the same rounds as iterations of its Map over sites.
 */
export interface FleetProblem {
  readonly sites: readonly SiteProblem[];
  /** Fleet-wide cap on total site power, kW per horizon step; absent when sites are independent. */
  readonly portfolioCapKw?: readonly number[];
  readonly coordinationIterations?: number;
}

export interface FleetSolution {
  readonly sites: SiteSolution[];
  readonly objectiveUsd: number;
  readonly solveMs: number;
  readonly mode: 'lp' | 'milp';
  readonly mipGapPct: number;
  readonly rows: number;
  readonly cols: number;
  readonly integers: number;
  readonly couplingPriceUsdPerMwh?: number[];
}

/** A fleet solution from its sites' solutions (independent sites, or coordinated ones with `extra`). */
export function combineSites(sites: SiteSolution[], extra?: Partial<FleetSolution>): FleetSolution {
  return {
    sites,
    objectiveUsd: sites.reduce((a, s) => a + s.objectiveUsd, 0),
    solveMs: sites.reduce((a, s) => a + s.solveMs, 0),
    mode: sites.some((s) => s.mode === 'milp') ? 'milp' : 'lp',
    mipGapPct: Math.max(0, ...sites.map((s) => s.mipGapPct)),
    rows: sites.reduce((a, s) => a + s.rows, 0),
    cols: sites.reduce((a, s) => a + s.cols, 0),
    integers: sites.reduce((a, s) => a + s.integers, 0),
    ...extra,
  };
}

export function solveFleet(highs: HighsSolver, problem: FleetProblem, options: SolveOptions = {}): FleetSolution {
  const cap = problem.portfolioCapKw;
  if (!cap) return combineSites(problem.sites.map((p) => solveSite(highs, p, options)));
  const maxPriceRounds = problem.coordinationIterations ?? 8;
  let round = firstRound(cap.length);
  let previous: SiteSolution[] = [];
  for (;;) {
    const { couplingPriceUsdPerMwh, share } = round;
    const solutions = problem.sites.map((p, i) =>
      solveSite(
        highs,
        { ...p, couplingPriceUsdPerMwh, ...(share ? { capKw: capShareKw(share, previous[i]!.sitePowerKw) } : {}) },
        options,
      ),
    );
    const outcome = afterRound(
      round,
      cap,
      fleetTotalKw(
        solutions.map((s) => s.sitePowerKw),
        cap.length,
      ),
      maxPriceRounds,
    );
    if (outcome.done) {
      return combineSites(solutions, {
        couplingPriceUsdPerMwh: [...couplingPriceUsdPerMwh],
        objectiveUsd: trueObjective(problem, solutions, couplingPriceUsdPerMwh),
      });
    }
    previous = solutions;
    round = outcome.next;
  }
}

/** The sites' objectives priced λ into energy; the fleet's own objective gives that internal payment back. */
function trueObjective(problem: FleetProblem, solutions: readonly SiteSolution[], lambda: readonly number[]): number {
  return solutions.reduce(
    (sum, s, i) =>
      sum +
      s.objectiveUsd +
      problem.sites[i]!.horizon.stepHours.reduce(
        (a, hours, t) => a + ((lambda[t] ?? 0) * (s.sitePowerKw[t] ?? 0) * hours) / 1000,
        0,
      ),
    0,
  );
}

export interface PlanMeta {
  readonly version: number;
  readonly createdAtMs: number;
  readonly horizonStartMs: number;
  /** The Plan contract has one interval length: coarse horizon steps are repeated at this resolution. */
  readonly intervalMinutes: number;
  /** Revenue of a serving GPU-hour for the ladder's GPU rungs. */
  readonly gpuRevenueUsdPerGpuHour: number;
}

/** The Plan contract (core/model/plan.ts) from a fleet solution, with each site's merit-order ladder. */
export function toPlan(problem: FleetProblem, solution: FleetSolution, meta: PlanMeta): Plan {
  const sites: SitePlan[] = problem.sites.map((p, i) => {
    const s = solution.sites[i]!;
    const intervals: SitePlan['intervals'] = [];
    const ancillaryOffers: NonNullable<SitePlan['ancillaryOffers']> = [];
    let atMs = meta.horizonStartMs;
    p.horizon.stepHours.forEach((hours, t) => {
      const repeats = Math.max(1, Math.round((hours * 60) / meta.intervalMinutes));
      const d = s.decisions[t]!;
      for (let r = 0; r < repeats && intervals.length < 2016; r += 1) {
        intervals.push({
          startsAt: new Date(atMs).toISOString(),
          asicGroups: d.asic.map((a) => {
            const g = p.site.asicGroups.find((x) => x.id === a.groupId)!;
            return {
              groupId: a.groupId,
              unitsOn: a.unitsOn,
              powerTargetKw: (a.unitsOn * a.powerPerUnitW + (g.unitCount - a.unitsOn) * g.sleepPowerW) / 1000,
              ...(g.alwaysOn ? { alwaysOn: true as const } : {}),
            };
          }),
          gpuPools: d.gpu.map((g) => ({
            poolId: g.poolId,
            gpusPowered: g.gpusPowered,
            gpusServing: gpusServing(g),
          })),
          sitePowerKw: Math.max(0, s.sitePowerKw[t] ?? 0),
        });
        for (const offer of d.ancillary ?? []) ancillaryOffers.push({ ...offer, intervalStartMs: atMs });
        atMs += meta.intervalMinutes * 60_000;
      }
    });
    const ladder = meritOrderLadder(p.site, {
      hashpriceUsdPerThDay: p.horizon.hashpriceUsdPerThDay[0] ?? 0,
      gpuRevenueUsdPerGpuHour: meta.gpuRevenueUsdPerGpuHour,
    });
    // The offers the plan makes and the capacity prices it assumed (issue 25); none without the co-optimised planner.
    return { siteId: p.site.id, intervals, ladder, ...(p.ancillary ? { ancillaryOffers } : {}) };
  });
  return {
    version: meta.version,
    createdAt: new Date(meta.createdAtMs).toISOString(),
    horizonStart: new Date(meta.horizonStartMs).toISOString(),
    intervalMinutes: meta.intervalMinutes,
    sites,
    solver: {
      mode: solution.mode,
      status: solution.sites.every((s) => s.status === 'Optimal')
        ? 'Optimal'
        : (solution.sites.find((s) => s.status !== 'Optimal')?.status ?? 'Optimal'),
      objectiveUsd: solution.objectiveUsd,
      ...(solution.mode === 'milp' ? { mipGapPct: solution.mipGapPct } : {}),
      solveMs: solution.solveMs,
    },
  };
}

/**
 * The open work's pools kept serving over the horizon. The optimizer counts open work in GPU-hours at a pool's
 * aggregate rate and serves it in the first interval; a job runs at its sequence speed, for longer, and on whole
 * nodes, so a pool planned off after the first interval would be vacated under its running jobs and hand back the
 * ones arriving. While a site has open work, each interval keeps at least the GPUs its first interval serves, except
 * in a demand-response step (the grid's call sheds them). The next dispatch re-plans what is still open; a site with
 * none keeps the optimizer's plan (no GPU powered without work). Pure.
 */
export function holdServingForOpenWork(problem: FleetProblem, plan: Plan): Plan {
  return {
    ...plan,
    sites: plan.sites.map((sitePlan, i) => {
      const p = problem.sites[i]!;
      const open =
        p.horizon.guaranteedArrivalsGpuHours.some((h) => h > 0) || p.state.flexBacklog.some((c) => c.gpuHours > 0);
      const first = sitePlan.intervals[0]?.gpuPools;
      if (!open || !first) return sitePlan;
      const intervals = sitePlan.intervals.map((interval, k) => {
        if (p.horizon.drDeployed[Math.min(k, p.horizon.drDeployed.length - 1)]) return interval;
        const gpuPools = interval.gpuPools.map((pool) => {
          const held = first.find((f) => f.poolId === pool.poolId)?.gpusServing ?? 0;
          const gpusServing = Math.max(pool.gpusServing, held);
          return { ...pool, gpusServing, gpusPowered: Math.max(pool.gpusPowered, gpusServing) };
        });
        return { ...interval, gpuPools };
      });
      return { ...sitePlan, intervals };
    }),
  };
}
