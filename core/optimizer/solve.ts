import type { Highs } from 'highs';
import * as highsModule from 'highs';
import { decodeOffers } from './constraints/ancillary.js';
import type { BidStepVars } from './constraints/bids.js';
import { stepCapKw } from './constraints/site-power.js';
import { formulateSite, type SiteModelIndex } from './formulate.js';
import { gpuPoolPowerKw, unitMaxPowerW, unitMinPowerW } from './physics.js';
import type { SiteDecision, SiteProblem, SolveMode } from './types.js';

export type HighsSolver = Pick<Highs, 'solve'>;

let loading: Promise<HighsSolver> | undefined;
/** The one place the wasm solver is loaded (once per process); callers pass the result into the pure functions. */
export function loadHighs(): Promise<HighsSolver> {
  // `highs` is CommonJS (module.exports = loader): depending on the interop (tsx ESM, swc CJS) the loader is the
  // namespace's default or the namespace itself.
  const ns = highsModule as unknown as { default?: () => Promise<HighsSolver> } & (() => Promise<HighsSolver>);
  const loader = typeof ns.default === 'function' ? ns.default : ns;
  loading ??= loader();
  return loading;
}

export interface SolveOptions {
  /** 'auto' picks MILP while the integer count stays small, the LP relaxation above it. */
  readonly mode?: SolveMode | 'auto';
  /** Integer unit-count variables allowed before 'auto' falls back to the LP relaxation. */
  readonly milpMaxIntegers?: number;
  readonly timeLimitSeconds?: number;
  readonly mipRelGap?: number;
  /** Monotonic milliseconds, injected (core/ reads no clock); solve times are 0 without it. */
  readonly nowMs?: () => number;
}

export const DEFAULT_SOLVE_OPTIONS = {
  mode: 'auto',
  // With thousands of identical units per group the LP relaxation rounds to within a unit; MILP pays off only for
  // small groups, where unit counts are few and rounding would matter.
  milpMaxIntegers: 400,
  timeLimitSeconds: 20,
  mipRelGap: 1e-4,
} as const;

export interface SiteSolution {
  readonly status: string;
  readonly mode: SolveMode;
  readonly objectiveUsd: number;
  /** (LP bound − MILP objective) / |MILP objective|, from a relaxation solved alongside; 0 for LP. */
  readonly mipGapPct: number;
  readonly solveMs: number;
  readonly rows: number;
  readonly cols: number;
  readonly integers: number;
  readonly decisions: SiteDecision[];
  readonly sitePowerKw: number[];
}

export class OptimizerError extends Error {}

/** The mode a site's model is solved in: 'auto' picks MILP while `copies` of its integers stay under the limit. */
export function solveModeFor(problem: SiteProblem, options: SolveOptions = {}, copies = 1): SolveMode {
  const o = { ...DEFAULT_SOLVE_OPTIONS, ...options };
  const integersIfMilp =
    copies *
    (problem.site.asicGroups.length + (problem.bids?.length ? 4 : 3) * problem.site.gpuPools.length) *
    problem.horizon.stepHours.length;
  return o.mode === 'auto' ? (integersIfMilp <= o.milpMaxIntegers ? 'milp' : 'lp') : o.mode;
}

export function solveSite(highs: HighsSolver, problem: SiteProblem, options: SolveOptions = {}): SiteSolution {
  const mode = solveModeFor(problem, options);
  return solveFormulated(highs, problem, formulateSite(problem, mode === 'milp'), mode, options);
}

/**
 * Solves a formulated site model and decodes `index`'s variables into decisions for `problem` (a joint scenario
 * model, core/optimizer/scenarios.ts, is decoded through its first scenario's index).
 */
export function solveFormulated(
  highs: HighsSolver,
  problem: SiteProblem,
  index: SiteModelIndex,
  mode: SolveMode,
  options: SolveOptions = {},
): SiteSolution {
  const o = { ...DEFAULT_SOLVE_OPTIONS, ...options };
  const now = o.nowMs ?? (() => 0);
  const started = now();
  const cols = index.model.colCount;
  // Large LPs: interior point is ~2.5× faster than simplex in wasm HiGHS (TOOLCHAIN.md); small ones: simplex.
  const lpSolver = cols > 5000 ? 'ipm' : 'simplex';
  // Presolve costs more than it saves on the planner's LPs (issue 19, the same objectives on every LP sampled): a
  // 24 h mpc site LP 6.2 → 3.9 ms, a 48 h oracle site LP 74 → 29 ms, of which the LP text's parsing is 3.1 and 20 ms.
  // Kept on with ancillary offers: at a zero capacity price the offer is a tie, which presolve settles at no offer.
  const presolve = mode === 'lp' && lpSolver === 'simplex' && !problem.ancillary ? { presolve: 'off' as const } : {};
  const result = highs.solve(index.model.toText(), {
    time_limit: o.timeLimitSeconds,
    mip_rel_gap: o.mipRelGap,
    solver: mode === 'milp' ? 'choose' : lpSolver,
    output_flag: false,
    ...presolve,
  });
  if (result.Status !== 'Optimal' && result.Status !== 'Time limit reached') {
    throw new OptimizerError(`HiGHS status ${result.Status} for site ${problem.site.id}`);
  }
  let mipGapPct = 0;
  if (mode === 'milp') {
    const relaxed = highs.solve(index.model.toText(true), { time_limit: o.timeLimitSeconds, output_flag: false });
    if (relaxed.Status === 'Optimal') {
      const denom = Math.max(1, Math.abs(result.ObjectiveValue));
      mipGapPct = Math.max(0, ((relaxed.ObjectiveValue - result.ObjectiveValue) / denom) * 100);
    }
  }
  const solveMs = now() - started;
  const value = (name: string) => result.Columns[name]?.Primal ?? 0;

  const decisions: SiteDecision[] = [];
  const sitePowerKw: number[] = [];
  for (let t = 0; t < index.steps; t += 1) {
    const asic = problem.site.asicGroups.map((g, k) => {
      const u = Math.max(0, value(index.unitsOn[t]![k]!.name));
      // Floor keeps the site under its cap; the freed power goes to the units left on, up to their top target.
      const unitsOn = Math.min(g.unitCount, Math.floor(u + 1e-6));
      const activeKw =
        (g.powerCurve[0]!.powerW / 1000) * u + index.segments[t]![k]!.reduce((a, p) => a + value(p.name), 0);
      const powerPerUnitW = unitsOn === 0 ? 0 : Math.min(unitMaxPowerW(g), (activeKw * 1000) / unitsOn);
      return { groupId: g.id, unitsOn, powerPerUnitW };
    });
    const gpu = problem.site.gpuPools.map((pool, g) => {
      // Round GPU counts up (an idle GPU costs ~90 W, a missing one an SLA breach); the cap is restored below.
      const up = (name: string) => Math.ceil(value(name) - 1e-6);
      const gpusPowered = Math.min(pool.count, up(index.gpuPowered[t]![g]!.name));
      const servingGuaranteed = Math.min(gpusPowered, up(index.servingGuaranteed[t]![g]!.name));
      // Not reduced by the rounding of servingGuaranteed: the simulator and the site scheduler read it as the
      // flex allowance, served on whatever powered GPUs guaranteed work leaves free.
      const servingFlex = Math.min(gpusPowered, up(index.servingFlex[t]![g]!.name));
      const bidVars = index.servingBids[t]![g];
      // Bid GPUs are what the clearing sells: rounded down, so no bid is filled from a GPU the plan did not give.
      const servingBids = bidVars
        ? Math.floor([...bidVars.values()].reduce((a, v) => a + value(v.name), 0) + 1e-6)
        : undefined;
      return { poolId: pool.id, gpusPowered, servingGuaranteed, servingFlex, ...(bidVars ? { servingBids } : {}) };
    });
    const bidGpuHours = decodeBidGpuHours(index.bids[t]!, value);
    const offers = decodeOffers(problem.ancillary?.products ?? [], index.ancillary[t]!, t, value);
    decisions.push(
      withinCap(problem, t, {
        asic,
        gpu,
        ...(offers.length > 0 ? { ancillary: offers } : {}),
        ...(bidGpuHours ? { bidGpuHours } : {}),
      }),
    );
    sitePowerKw.push(value(index.sitePowerKw[t]!.name));
  }
  return {
    status: result.Status,
    mode,
    objectiveUsd: result.ObjectiveValue,
    mipGapPct,
    solveMs,
    rows: index.model.rowCount,
    cols,
    integers: mode === 'milp' ? index.model.integerCount : 0,
    decisions,
    sitePowerKw,
  };
}

/** GPUs a decision has serving work of any class (guaranteed, flex, bids), at most those powered. */
export function gpusServing(d: SiteDecision['gpu'][number]): number {
  return Math.min(d.gpusPowered, d.servingGuaranteed + d.servingFlex + (d.servingBids ?? 0));
}

/** The LP's GPU-hours per bid in a step (positive ones), or undefined when no bid was open in it. */
function decodeBidGpuHours(step: BidStepVars, value: (name: string) => number) {
  if (step.servedByBid.size === 0) return undefined;
  const out: Record<string, number> = {};
  for (const [bidId, q] of step.servedByBid) {
    const gpuHours = Math.round(value(q.name) * 1e6) / 1e6;
    if (gpuHours > 0) out[bidId] = gpuHours;
  }
  return out;
}

/** Rounding GPU counts up can push a site past its cap: take the excess off the ASICs' power targets. */
function withinCap(problem: SiteProblem, t: number, decision: SiteDecision): SiteDecision {
  const site = problem.site;
  const capKw = stepCapKw(problem, t);
  const gpuKw = site.gpuPools.reduce((a, pool) => {
    const d = decision.gpu.find((x) => x.poolId === pool.id)!;
    return a + gpuPoolPowerKw(pool, d.gpusPowered, gpusServing(d));
  }, 0);
  const asicKw = site.asicGroups.reduce((a, g) => {
    const d = decision.asic.find((x) => x.groupId === g.id)!;
    return a + (d.unitsOn * d.powerPerUnitW + (g.unitCount - d.unitsOn) * g.sleepPowerW) / 1000;
  }, 0);
  const excessKw = (asicKw + gpuKw) * site.pue - capKw;
  if (excessKw <= 1e-9) return decision;
  const activeKw = decision.asic.reduce((a, d) => a + (d.unitsOn * d.powerPerUnitW) / 1000, 0);
  const scale = Math.max(0, 1 - excessKw / site.pue / Math.max(activeKw, 1e-9));
  return {
    ...decision,
    asic: decision.asic.map((d) => {
      const g = site.asicGroups.find((x) => x.id === d.groupId)!;
      const target = d.powerPerUnitW * scale;
      return target >= unitMinPowerW(g) - 1e-9
        ? { ...d, powerPerUnitW: target }
        : { ...d, unitsOn: Math.floor((d.unitsOn * target) / unitMinPowerW(g)), powerPerUnitW: unitMinPowerW(g) };
    }),
  };
}
