import { performance } from 'node:perf_hooks';
import { installedGpus } from '../../core/gpu/capacity.js';
import type { BacktestData, Strategy } from '../../core/strategies/context.js';
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
  /** Cumulative net profit by step (whole fleet). */
  readonly cumulativeNetUsd: number[];
  /** [site][step] power split. */
  readonly asicKw: number[][];
  readonly gpuKw: number[][];
}

export function runStrategy(data: BacktestData, strategy: Strategy, onProgress?: (done: number) => void): StrategyRun {
  let states = data.sites.map(initialSiteState);
  const perSite = data.sites.map(() => emptyTotals());
  const solveMs: number[] = [];
  const cumulativeNetUsd: number[] = [];
  const asicKw = data.sites.map(() => [] as number[]);
  const gpuKw = data.sites.map(() => [] as number[]);
  let cumulative = 0;
  let t = 0;
  let lastReport = 0;
  while (t < data.steps) {
    const started = performance.now();
    const decision = strategy.decide({ t, data, states });
    solveMs.push(performance.now() - started);
    const commit = Math.max(1, Math.min(...decision.perSite.map((d) => d.length)));
    for (let i = 0; i < commit && t < data.steps; i += 1, t += 1) {
      states = data.sites.map((site, s) => {
        const result = simulateStep(
          site,
          states[s]!,
          decision.perSite[s]![i]!,
          {
            stepHours: data.stepMinutes / 60,
            priceUsdPerMwh: data.priceUsdPerMwh[t]!,
            hashpriceUsdPerThDay: data.hashpriceUsdPerThDay[t]!,
            guaranteedArrivalsGpuHours: data.demand[s]!.guaranteedGpuHours[t]!,
            flexArrivalsGpuHours: data.demand[s]!.flexGpuHours[t]!,
            drDeployed: data.drDeployed[t]!,
            peakProbability: data.peakProbability[t]!,
          },
          data.demandTerms,
          data.gridTerms,
          perSite[s]!,
        );
        cumulative += result.netUsd;
        asicKw[s]!.push(result.asicKw);
        gpuKw[s]!.push(result.gpuKw);
        return result.state;
      });
      cumulativeNetUsd.push(cumulative);
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
  return { name: strategy.name, totals, perSite, solveMs, cumulativeNetUsd, asicKw, gpuKw };
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
  readonly energyCostUsd: number;
  readonly wearCostUsd: number;
  readonly penaltiesUsd: number;
  readonly fourCpCostUsd: number;
  readonly upliftOverStaticUsd: number | null;
  readonly oracleUpliftCapturedPct: number | null;
  readonly asicUptimePct: number;
  readonly switchCount: number;
  readonly unitStarts: number;
  readonly gpuUtilizationPct: number;
  readonly slaViolations: number;
  readonly droppedGpuHours: number;
  readonly revenuePerGpuMonthUsd: number;
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
      energyCostUsd: t.energyCostUsd,
      wearCostUsd: t.wearCostUsd,
      penaltiesUsd: t.penaltiesUsd,
      fourCpCostUsd: t.fourCpCostUsd,
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
      revenuePerGpuMonthUsd: gpus > 0 && months > 0 ? t.inferenceRevenueUsd / gpus / months : 0,
      sitePowerUtilizationPct: (t.energyMwh / Math.max(t.capMwh, 1e-9)) * 100,
      capExceededSteps: t.capExceededSteps,
      solveTimeP50Ms: percentile(r.solveMs, 50),
      solveTimeP99Ms: percentile(r.solveMs, 99),
      decisions: r.solveMs.length,
    };
  });
}
