import { performance } from 'node:perf_hooks';
import type { MarketAncillaryProduct } from '../../core/ancillary/products.js';
import { installedGpus } from '../../core/gpu/capacity.js';
import { localWallMinutes } from '../../core/market-data/time-zone.js';
import type { StepAncillaryTruth } from '../../core/strategies/ancillary-score.js';
import {
  type BacktestData,
  type DecisionContext,
  type StrategyDecision,
  setupOf,
  viewAt,
} from '../../core/strategies/context.js';
import {
  emptyTotals,
  initialSiteState,
  netProfitUsd,
  type SiteTotals,
  simulateStep,
} from '../../core/strategies/simulate.js';

export interface StrategyRun {
  readonly name: string;
  readonly totals: SiteTotals;
  readonly perSite: SiteTotals[];
  readonly solveMs: number[];
  /** Net profit of each step (whole fleet). */
  readonly stepNetUsd: number[];
  /** Cumulative net profit by step (whole fleet). */
  readonly cumulativeNetUsd: number[];
  /** The price the strategy planned each step on, where it planned on one. */
  readonly plannedPriceUsdPerMwh: (number | null)[];
  /** Start of the latest published real-time interval at each step's decision, epoch ms (null: none yet). */
  readonly lastKnownRtStartMs: (number | null)[];
  /** The hashprice known at each step's decision. */
  readonly knownHashpriceUsdPerThDay: number[];
  /** [site][step] power split. */
  readonly asicKw: number[][];
  readonly gpuKw: number[][];
  /** [site][group][step] units the decision switched on. */
  readonly unitsOn: number[][][];
}

/** A strategy as the runner takes it: core's (synchronous) or one running deployed code (asynchronous). */
export interface RunnableStrategy {
  readonly name: string;
  decide(context: DecisionContext): StrategyDecision | Promise<StrategyDecision>;
}

/**
 * Runs one strategy over the backtest: at each decision it is handed the setup, the market as known at the start of
 * the step (core/market-data/known-at.ts) and the sites' states, never the truth; its committed steps are scored on
 * the truth by the common simulator.
 */
export async function runStrategy(
  data: BacktestData,
  strategy: RunnableStrategy,
  onProgress?: (done: number) => void,
): Promise<StrategyRun> {
  const setup = setupOf(data);
  const { truth } = data;
  let states = data.sites.map(initialSiteState);
  const perSite = data.sites.map(() => emptyTotals());
  const solveMs: number[] = [];
  const stepNetUsd: number[] = [];
  const cumulativeNetUsd: number[] = [];
  const plannedPriceUsdPerMwh: (number | null)[] = [];
  const lastKnownRtStartMs: (number | null)[] = [];
  const knownHashpriceUsdPerThDay: number[] = [];
  const asicKw = data.sites.map(() => [] as number[]);
  const gpuKw = data.sites.map(() => [] as number[]);
  const unitsOn = data.sites.map((site) => site.asicGroups.map(() => [] as number[]));
  const stepMs = data.stepMinutes * 60_000;
  let cumulative = 0;
  let t = 0;
  let lastReport = 0;
  while (t < data.steps) {
    const known = viewAt(data, t);
    const started = performance.now();
    const decision = await strategy.decide({ t, setup, known, states });
    solveMs.push(performance.now() - started);
    const commit = Math.max(1, Math.min(...decision.perSite.map((d) => d.length)));
    const lastKnown = known.rtUsdPerMwh.length > 0 ? known.startMs + (known.rtUsdPerMwh.length - 1) * stepMs : null;
    for (let i = 0; i < commit && t < data.steps; i += 1, t += 1) {
      let stepNet = 0;
      states = data.sites.map((site, s) => {
        const siteDecision = decision.perSite[s]![i]!;
        const result = simulateStep(
          site,
          states[s]!,
          siteDecision,
          {
            stepHours: data.stepMinutes / 60,
            priceUsdPerMwh: truth.priceUsdPerMwh[t]!,
            hashpriceUsdPerThDay: truth.hashpriceUsdPerThDay[t]!,
            guaranteedArrivalsGpuHours: truth.demand[s]!.guaranteedGpuHours[t]!,
            flexArrivalsGpuHours: truth.demand[s]!.flexGpuHours[t]!,
            drDeployed: truth.drDeployed[t]!,
            peakProbability: truth.fourCpPeakShare?.[t] ?? 0,
            ...(truth.ancillary ? { ancillary: ancillaryAt(truth.ancillary, t) } : {}),
            ...bidsAt(data, s, t),
          },
          data.demandTerms,
          data.gridTerms,
          perSite[s]!,
        );
        stepNet += result.netUsd;
        asicKw[s]!.push(result.asicKw);
        gpuKw[s]!.push(result.gpuKw);
        site.asicGroups.forEach((g, k) => {
          unitsOn[s]![k]!.push(siteDecision.asic.find((a) => a.groupId === g.id)?.unitsOn ?? 0);
        });
        return result.state;
      });
      cumulative += stepNet;
      stepNetUsd.push(stepNet);
      cumulativeNetUsd.push(cumulative);
      plannedPriceUsdPerMwh.push(decision.plannedPriceUsdPerMwh?.[i] ?? null);
      lastKnownRtStartMs.push(lastKnown);
      knownHashpriceUsdPerThDay.push(known.hashpriceUsdPerThDay);
    }
    if (onProgress && t - lastReport >= Math.max(1, Math.floor(data.steps / 20))) {
      lastReport = t;
      onProgress(t);
    }
  }
  const totals = emptyTotals();
  for (const site of perSite) {
    for (const key of Object.keys(totals) as Array<keyof SiteTotals>) totals[key] += site[key];
  }
  return {
    name: strategy.name,
    totals,
    perSite,
    solveMs,
    stepNetUsd,
    cumulativeNetUsd,
    plannedPriceUsdPerMwh,
    lastKnownRtStartMs,
    knownHashpriceUsdPerThDay,
    asicKw,
    gpuKw,
    unitsOn,
  };
}

/** The bids placed in step t at site s, with the step's start; nothing without a bid stream. */
function bidsAt(data: BacktestData, s: number, t: number) {
  const arrivals = data.truth.demand[s]!.bidArrivals?.[t];
  return arrivals ? { bids: { startMs: data.startMs + t * data.stepMinutes * 60_000, arrivals } } : {};
}

/** The ancillary truth of step t: each product's clearing price (NaN in the file: none). */
function ancillaryAt(ancillary: NonNullable<BacktestData['truth']['ancillary']>, t: number): StepAncillaryTruth {
  const priceUsdPerMwh: Partial<Record<MarketAncillaryProduct, number>> = {};
  for (const [product, prices] of Object.entries(ancillary.prices.byProduct)) {
    const price = prices[t];
    if (price !== undefined && Number.isFinite(price)) priceUsdPerMwh[product as MarketAncillaryProduct] = price;
  }
  return { priceUsdPerMwh, deploymentProbability: ancillary.deploymentProbability };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface StrategySummary {
  readonly name: string;
  readonly netProfitUsd: number;
  readonly miningRevenueUsd: number;
  readonly inferenceRevenueUsd: number;
  readonly gridCreditsUsd: number;
  /** Capacity payments for hourly ancillary offers, awarded at the clearing price, less clawbacks for non-performance. */
  readonly ancillaryRevenueUsd: number;
  /** Expected mining lost (net of energy not bought) while deployed, from ERCOT's deployment record. */
  readonly expectedDeploymentCostUsd: number;
  /** ancillaryRevenueUsd − expectedDeploymentCostUsd. */
  readonly ancillaryNetUsd: number;
  /** Offered MWh not backed by load running above sleep. */
  readonly ancillaryShortfallMwh: number;
  readonly energyCostUsd: number;
  readonly wearCostUsd: number;
  readonly penaltiesUsd: number;
  /**
   * 4CP transmission charge on the load in the months' actual coincident peaks (zero without a system-load file);
   * net profit = energyAndMiningNetUsd − fourCpCostUsd.
   */
  readonly fourCpCostUsd: number;
  /** Net profit before 4CP: the energy, mining, inference and grid-program value of the dispatch. */
  readonly energyAndMiningNetUsd: number;
  readonly upliftOverStaticUsd: number | null;
  readonly oracleUpliftCapturedPct: number | null;
  readonly asicUptimePct: number;
  readonly switchCount: number;
  readonly unitStarts: number;
  readonly gpuUtilizationPct: number;
  readonly slaViolations: number;
  readonly droppedGpuHours: number;
  /** Inference and bid revenue per installed GPU per month. */
  readonly revenuePerGpuMonthUsd: number;
  /** Bids (issue 28): revenue at the clearing prices, GPU-hours filled, and work whose deadline passed unfilled. */
  readonly bidRevenueUsd: number;
  readonly bidFilledGpuHours: number;
  readonly bidExpiredGpuHours: number;
  readonly sitePowerUtilizationPct: number;
  readonly capExceededSteps: number;
  readonly solveTimeP50Ms: number;
  readonly solveTimeP99Ms: number;
  readonly decisions: number;
}

export function summarize(data: BacktestData, runs: readonly StrategyRun[]): StrategySummary[] {
  const net = (name: string) => {
    const r = runs.find((x) => x.name === name);
    return r ? netProfitUsd(r.totals) : undefined;
  };
  const staticNet = net('static');
  const oracleNet = net('oracle');
  const months = (data.steps * data.stepMinutes) / 60 / 24 / (365.25 / 12);
  const gpus = installedGpus(data.sites);
  return runs.map((r) => {
    const n = netProfitUsd(r.totals);
    const uplift = staticNet === undefined ? null : n - staticNet;
    const oracleUplift = staticNet === undefined || oracleNet === undefined ? null : oracleNet - staticNet;
    const t = r.totals;
    return {
      name: r.name,
      netProfitUsd: n,
      miningRevenueUsd: t.miningRevenueUsd,
      inferenceRevenueUsd: t.inferenceRevenueUsd,
      gridCreditsUsd: t.gridCreditsUsd,
      ancillaryRevenueUsd: t.ancillaryRevenueUsd,
      expectedDeploymentCostUsd: t.expectedDeploymentCostUsd,
      ancillaryNetUsd: t.ancillaryRevenueUsd - t.expectedDeploymentCostUsd,
      ancillaryShortfallMwh: t.ancillaryShortfallMwh,
      energyCostUsd: t.energyCostUsd,
      wearCostUsd: t.wearCostUsd,
      penaltiesUsd: t.penaltiesUsd,
      fourCpCostUsd: t.fourCpCostUsd,
      energyAndMiningNetUsd: n + t.fourCpCostUsd,
      upliftOverStaticUsd: uplift,
      oracleUpliftCapturedPct:
        uplift === null || oracleUplift === null || Math.abs(oracleUplift) < 1e-9
          ? null
          : (uplift / oracleUplift) * 100,
      asicUptimePct: (t.unitHoursOn / Math.max(t.unitHoursTotal, 1e-9)) * 100,
      switchCount: t.switchCount,
      unitStarts: t.unitStarts,
      gpuUtilizationPct: (t.gpuBusyHours / Math.max(t.gpuHoursTotal, 1e-9)) * 100,
      slaViolations: t.slaViolations,
      droppedGpuHours: t.droppedGpuHours,
      revenuePerGpuMonthUsd: gpus > 0 && months > 0 ? (t.inferenceRevenueUsd + t.bidRevenueUsd) / gpus / months : 0,
      bidRevenueUsd: t.bidRevenueUsd,
      bidFilledGpuHours: t.bidFilledGpuHours,
      bidExpiredGpuHours: t.bidExpiredGpuHours,
      sitePowerUtilizationPct: (t.energyMwh / Math.max(t.capMwh, 1e-9)) * 100,
      capExceededSteps: t.capExceededSteps,
      solveTimeP50Ms: percentile(r.solveMs, 50),
      solveTimeP99Ms: percentile(r.solveMs, 99),
      decisions: r.solveMs.length,
    };
  });
}

export interface MonthCapture {
  /** Calendar month in the market's zone, YYYY-MM. */
  readonly month: string;
  /** Whether the window covers the whole month. */
  readonly full: boolean;
  readonly oracleUpliftUsd: number | null;
  /** Judged against the target: a full month whose oracle uplift is at least MONTH_JUDGED_MIN_UPLIFT_USD. */
  readonly judged: boolean;
  readonly strategies: Record<
    string,
    { netUsd: number; upliftOverStaticUsd: number | null; oracleUpliftCapturedPct: number | null }
  >;
}

/** Months with less oracle uplift than this are reported, not judged (issue 19). */
export const MONTH_JUDGED_MIN_UPLIFT_USD = 5000;

/** Net profit, uplift over static and oracle uplift captured per calendar month (in `timeZone`). */
export function monthlyCapture(data: BacktestData, runs: readonly StrategyRun[], timeZone: string): MonthCapture[] {
  const stepMs = data.stepMinutes * 60_000;
  const monthOf = (atMs: number) => {
    const local = new Date(localWallMinutes(atMs, timeZone) * 60_000);
    return {
      key: `${local.getUTCFullYear()}-${String(local.getUTCMonth() + 1).padStart(2, '0')}`,
      atMonthStart: local.getUTCDate() === 1 && local.getUTCHours() === 0 && local.getUTCMinutes() === 0,
    };
  };
  const months: { key: string; from: number; to: number; full: boolean }[] = [];
  for (let i = 0; i < data.steps; i += 1) {
    const { key, atMonthStart } = monthOf(data.startMs + i * stepMs);
    const current = months[months.length - 1];
    if (current?.key === key) current.to = i + 1;
    else months.push({ key, from: i, to: i + 1, full: atMonthStart });
  }
  for (const m of months) m.full &&= monthOf(data.startMs + m.to * stepMs).atMonthStart;
  const sum = (r: StrategyRun | undefined, from: number, to: number) =>
    r === undefined ? undefined : r.stepNetUsd.slice(from, to).reduce((a, b) => a + b, 0);
  const byName = (name: string) => runs.find((r) => r.name === name);
  return months.map((m) => {
    const staticNet = sum(byName('static'), m.from, m.to);
    const oracleNet = sum(byName('oracle'), m.from, m.to);
    const oracleUplift = staticNet === undefined || oracleNet === undefined ? null : oracleNet - staticNet;
    return {
      month: m.key,
      full: m.full,
      oracleUpliftUsd: oracleUplift,
      judged: m.full && oracleUplift !== null && oracleUplift >= MONTH_JUDGED_MIN_UPLIFT_USD,
      strategies: Object.fromEntries(
        runs.map((r) => {
          const net = sum(r, m.from, m.to)!;
          const uplift = staticNet === undefined ? null : net - staticNet;
          return [
            r.name,
            {
              netUsd: net,
              upliftOverStaticUsd: uplift,
              oracleUpliftCapturedPct:
                uplift === null || oracleUplift === null || Math.abs(oracleUplift) < 1e-9
                  ? null
                  : (uplift / oracleUplift) * 100,
            },
          ];
        }),
      ),
    };
  });
}

/** A bid-stream run against the fixed-sheet run of the same window and strategies (issue 28 item 4). */
export interface BidsVsSheet {
  readonly strategy: string;
  readonly fixedSheetScenario: string;
  readonly revenuePerGpuMonthUsd: { readonly bids: number; readonly fixedSheet: number };
  readonly gpuUtilizationPct: { readonly bids: number; readonly fixedSheet: number };
  /** Mining revenue of the fixed-sheet run less that of the bids run: the hashing bids displaced (negative: gained). */
  readonly miningRevenueGivenUpUsd: number;
  readonly netProfitUsd: { readonly bids: number; readonly fixedSheet: number };
}

export function bidsVsSheet(
  bids: readonly StrategySummary[],
  sheet: readonly StrategySummary[],
  fixedSheetScenario: string,
): BidsVsSheet[] {
  return bids.flatMap((b) => {
    const f = sheet.find((x) => x.name === b.name);
    if (!f) return [];
    return [
      {
        strategy: b.name,
        fixedSheetScenario,
        revenuePerGpuMonthUsd: { bids: b.revenuePerGpuMonthUsd, fixedSheet: f.revenuePerGpuMonthUsd },
        gpuUtilizationPct: { bids: b.gpuUtilizationPct, fixedSheet: f.gpuUtilizationPct },
        miningRevenueGivenUpUsd: f.miningRevenueUsd - b.miningRevenueUsd,
        netProfitUsd: { bids: b.netProfitUsd, fixedSheet: f.netProfitUsd },
      },
    ];
  });
}
