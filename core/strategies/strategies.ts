import { breakevenPriceUsdPerMwh, efficiencyJPerTh } from '../economics/energy.js';
import type { PriceForecaster } from '../forecast/types.js';
import { drInForce, type KnownAtView } from '../market-data/known-at.js';
import { type AsicGroup, type Site, siteCapKw } from '../model/site.js';
import { unitMaxPowerW, unitMinPowerW } from '../optimizer/physics.js';
import { type HighsSolver, type SolveOptions, solveSite } from '../optimizer/solve.js';
import type { SiteDecision, SiteState } from '../optimizer/types.js';
import type { AncillaryPlanning } from './ancillary-terms.js';
import {
  type BacktestSetup,
  type BacktestTruth,
  buildHorizon,
  type DecisionContext,
  horizonBlocks,
  type Strategy,
} from './context.js';
import { committedSteps, GUARANTEED_HEADROOM, lastSettledForecaster, planHorizon } from './planner.js';

/**
 * GPUs: all powered, all available to guaranteed work, and every GPU guaranteed work leaves free serves flex (the
 * flex allowance is the whole pool). What static and strike do.
 */
function allGpusServing(site: Site): SiteDecision['gpu'] {
  return site.gpuPools.map((pool) => ({
    poolId: pool.id,
    gpusPowered: pool.count,
    servingGuaranteed: pool.count,
    servingFlex: pool.count,
  }));
}

/** A rule-based strategy: each ASIC group's units on from a rule, at full power, fitted to the cap; GPUs all on. */
function ruleStrategy(name: string, unitsOn: (site: Site, group: AsicGroup, known: KnownAtView) => number): Strategy {
  return {
    name,
    decide({ setup, known }) {
      const perSite = setup.sites.map((site) => {
        const asic = site.asicGroups.map((g) => ({
          groupId: g.id,
          unitsOn: unitsOn(site, g, known),
          powerPerUnitW: unitMaxPowerW(g),
        }));
        return [fitToCap(site, { asic, gpu: allGpusServing(site) })];
      });
      return { perSite };
    },
  };
}

/** Underclocks ASICs uniformly (then sleeps units) until the site fits its interconnect: a static operator's rule. */
export function fitToCap(site: Site, decision: SiteDecision): SiteDecision {
  const capItKw = siteCapKw(site) / site.pue;
  const gpuKw = site.gpuPools.reduce((a, p) => a + (p.servingPowerW * p.count) / 1000, 0);
  const asicKw = (d: SiteDecision) =>
    site.asicGroups.reduce((a, g) => {
      const s = d.asic.find((x) => x.groupId === g.id)!;
      return a + (s.unitsOn * s.powerPerUnitW + (g.unitCount - s.unitsOn) * g.sleepPowerW) / 1000;
    }, 0);
  const over = asicKw(decision) + gpuKw - capItKw;
  if (over <= 0) return decision;
  const activeKw = decision.asic.reduce((a, s) => a + (s.unitsOn * s.powerPerUnitW) / 1000, 0);
  const scale = Math.max(0, 1 - over / Math.max(activeKw, 1e-9));
  const asic = decision.asic.map((s) => {
    const g = site.asicGroups.find((x) => x.id === s.groupId)!;
    const target = s.powerPerUnitW * scale;
    if (target >= unitMinPowerW(g)) return { ...s, powerPerUnitW: target };
    // Below the lowest target: run fewer units at the lowest target.
    const units = Math.floor((s.unitsOn * target - g.sleepPowerW * 0) / unitMinPowerW(g));
    return { ...s, unitsOn: units, powerPerUnitW: unitMinPowerW(g) };
  });
  return { ...decision, asic };
}

export function staticStrategy(): Strategy {
  return ruleStrategy('static', (_site, g) => g.unitCount);
}

export interface StrikeParams {
  /** Consecutive observed intervals above breakeven before curtailing. */
  readonly curtailAfter: number;
  /** Consecutive observed intervals below breakeven before resuming. */
  readonly resumeAfter: number;
}
export const DEFAULT_STRIKE: StrikeParams = { curtailAfter: 1, resumeAfter: 2 };

/**
 * Foreman-style strike price: each group stops after `curtailAfter` observed prices above its breakeven and resumes
 * after `resumeAfter` below. It sees only published prices (the latest settled interval) and the latest published
 * hashprice, like a real strike-price rule.
 */
export function strikeStrategy(params: StrikeParams = DEFAULT_STRIKE): Strategy {
  const counters = new Map<string, { above: number; below: number; off: boolean }>();
  return ruleStrategy('strike', (site, g, known) => {
    const observed = known.rtUsdPerMwh[known.rtUsdPerMwh.length - 1] ?? 0;
    const hashprice = known.hashpriceUsdPerThDay;
    const key = `${site.id}/${g.id}`;
    const c = counters.get(key) ?? { above: 0, below: 0, off: false };
    const strike = breakevenPriceUsdPerMwh(
      hashprice,
      efficiencyJPerTh(g.nominalPowerW, g.nominalHashrateThs),
      site.pue,
    );
    if (observed > strike) {
      c.above += 1;
      c.below = 0;
    } else {
      c.below += 1;
      c.above = 0;
    }
    if (!c.off && c.above >= params.curtailAfter) c.off = true;
    else if (c.off && c.below >= params.resumeAfter) c.off = false;
    counters.set(key, c);
    return c.off ? 0 : g.unitCount;
  });
}

export interface MpcParams {
  readonly horizonSteps: number;
  /** Single grid steps at the start of the horizon; coarser blocks after. */
  readonly fineSteps: number;
  readonly coarseBlock: number;
  /** Grid steps committed per solve (1 = re-solve every interval). */
  readonly commitSteps: number;
  readonly solve?: SolveOptions;
}

/** Solves every site's model and returns its first `commit` steps (one grid step per fine block). */
function solveAndCommit(
  highs: HighsSolver,
  context: DecisionContext,
  blocks: readonly number[],
  commit: number,
  sources: (s: number) => Parameters<typeof buildHorizon>[3],
  solve: SolveOptions | undefined,
  terminalBacklog = true,
): SiteDecision[][] {
  const { t, setup, states } = context;
  // The horizon stops at the end of the data: padding it would plan for intervals (and arrivals) that never come.
  const trimmed: number[] = [];
  let left = setup.steps - t;
  for (const size of blocks) {
    if (left <= 0) break;
    trimmed.push(Math.min(size, left));
    left -= size;
  }
  blocks = trimmed;
  return setup.sites.map((site, s) => {
    const horizon = buildHorizon(setup, t, blocks, sources(s));
    const solution = solveSite(
      highs,
      {
        site,
        horizon,
        state: states[s] as SiteState,
        demand: setup.demandTerms,
        grid: setup.gridTerms,
        terminalBacklog,
      },
      solve,
    );
    // Blocks of one step map one-to-one to grid steps; a coarse block's decision holds over its steps.
    const out: SiteDecision[] = [];
    blocks.forEach((size, b) => {
      for (let i = 0; i < size && out.length < commit; i += 1) out.push(solution.decisions[b]!);
    });
    return out;
  });
}

/** A forecast over `steps` grid steps from t, from the known-at view only. */
function forecastSources(
  setup: BacktestSetup,
  known: KnownAtView,
  t: number,
  steps: number,
  forecaster: PriceForecaster,
) {
  const stepMs = setup.stepMinutes * 60_000;
  // Intervals between the last published price and t are unknown too: the forecast starts at the first unpublished one.
  const origin = known.rtUsdPerMwh.length;
  const lead = Math.round((setup.startMs - known.startMs) / stepMs) + t - origin;
  const point = forecaster.forecast(known, lead + steps).pointUsdPerMwh;
  const deployed = drInForce(known, setup.startMs + t * stepMs);
  return {
    planned: point.slice(lead),
    sources: (s: number) => ({
      price: (step: number) => point[lead + step - t] ?? point[point.length - 1]!,
      hashprice: () => known.hashpriceUsdPerThDay,
      // GPUs are planned for high-quantile guaranteed demand: an idle powered H100 costs ~90 W, an unserved GPU-hour
      // the SLA penalty, so headroom is cheap.
      guaranteed: (step: number) => setup.expectedDemand[s]!.guaranteedGpuHours[step]! * GUARANTEED_HEADROOM,
      flex: (step: number) => setup.expectedDemand[s]!.flexGpuHours[step]!,
      // A deployment is known once noticed, and planned for the current interval only.
      dr: (step: number) => step === t && deployed,
      peak: (step: number) => setup.peakProbabilityAt?.(t, step) ?? 0,
    }),
  };
}

function truthSources(truth: BacktestTruth) {
  return (s: number) => ({
    price: (step: number) => truth.priceUsdPerMwh[step]!,
    hashprice: (step: number) => truth.hashpriceUsdPerThDay[step]!,
    guaranteed: (step: number) => truth.demand[s]!.guaranteedGpuHours[step]!,
    flex: (step: number) => truth.demand[s]!.flexGpuHours[step]!,
    dr: (step: number) => truth.drDeployed[step]!,
    peak: (step: number) => truth.fourCpPeakShare?.[step] ?? 0,
  });
}

export function myopicStrategy(highs: HighsSolver, solve?: SolveOptions): Strategy {
  return {
    name: 'myopic',
    decide(context) {
      const { planned, sources } = forecastSources(context.setup, context.known, context.t, 1, lastSettledForecaster);
      return {
        perSite: solveAndCommit(highs, context, [1], 1, sources, solve, false),
        plannedPriceUsdPerMwh: planned.slice(0, 1),
      };
    },
  };
}

/**
 * The receding-horizon planner (core/strategies/planner.ts) at each decision, committing its first `commitSteps`:
 * the same planner the deployed OptimizeFlow solve runs. With `ancillary` it co-optimises capacity offers (`mpc+as`).
 */
export function mpcStrategy(
  highs: HighsSolver,
  forecaster: PriceForecaster,
  params: MpcParams,
  ancillary?: AncillaryPlanning,
): Strategy {
  return {
    name: ancillary ? 'mpc+as' : 'mpc',
    decide({ t, setup, known, states }) {
      const plan = planHorizon(
        highs,
        forecaster,
        params,
        {
          decisionMs: setup.startMs + t * setup.stepMinutes * 60_000,
          stepMinutes: setup.stepMinutes,
          stepsAvailable: setup.steps - t,
          known,
          sites: setup.sites,
          states,
          demand: setup.expectedDemand.map((d) => ({
            guaranteedGpuHours: (k: number) => d.guaranteedGpuHours[t + k]!,
            flexGpuHours: (k: number) => d.flexGpuHours[t + k]!,
          })),
          peakProbability: (k) => setup.peakProbabilityAt?.(t, t + k) ?? 0,
          demandTerms: setup.demandTerms,
          gridTerms: setup.gridTerms,
          ...(ancillary ? { ancillary } : {}),
        },
        params.solve,
      );
      const perSite = committedSteps(plan, params.commitSteps);
      return { perSite, plannedPriceUsdPerMwh: plan.forecastUsdPerMwh.slice(0, perSite[0]?.length ?? 1) };
    },
  };
}

/** The same optimizer fed the true future over its receding horizon: a benchmark, handed the truth. */
export function mpcPerfectStrategy(highs: HighsSolver, params: MpcParams, truth: BacktestTruth): Strategy {
  const blocks = horizonBlocks(params.horizonSteps, params.fineSteps, params.coarseBlock);
  return {
    name: 'mpc-perfect',
    decide(context) {
      return {
        perSite: solveAndCommit(highs, context, blocks, params.commitSteps, truthSources(truth), params.solve),
      };
    },
  };
}

/**
 * Perfect foresight at full resolution over rolling windows (48 h by default) committing the first part (24 h). With
 * `demand: 'expected'` (`oracle-prices`) it knows the true prices, grid events and hashprice but plans GPUs on the
 * demand model's expectation, as mpc does: what perfect price foresight alone is worth (issue 19).
 */
export function oracleStrategy(
  highs: HighsSolver,
  windowSteps: number,
  commitSteps: number,
  truth: BacktestTruth,
  solve?: SolveOptions,
  demand: 'truth' | 'expected' = 'truth',
): Strategy {
  return {
    name: demand === 'truth' ? 'oracle' : 'oracle-prices',
    decide(context) {
      const steps = Math.min(windowSteps, context.setup.steps - context.t);
      const blocks = new Array<number>(steps).fill(1);
      const expected = context.setup.expectedDemand;
      const sources =
        demand === 'truth'
          ? truthSources(truth)
          : (s: number) => ({
              ...truthSources(truth)(s),
              guaranteed: (step: number) => expected[s]!.guaranteedGpuHours[step]! * GUARANTEED_HEADROOM,
              flex: (step: number) => expected[s]!.flexGpuHours[step]!,
            });
      return { perSite: solveAndCommit(highs, context, blocks, commitSteps, sources, solve) };
    },
  };
}
