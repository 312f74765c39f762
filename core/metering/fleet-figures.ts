import { isPartnerLine, type PartnerTotals, partnerTotals } from '../partners/figures.js';
import { totalsOf } from './statement.js';
import type { MeteredAttempt } from './usage.js';

/** Average Gregorian month: 365.2425 / 12 days. */
const MONTH_SECONDS = (365.2425 / 12) * 86_400;

export interface FleetFigures {
  readonly revenueUsd: number;
  /** Revenue per installed GPU, scaled to a month from the window's length. */
  readonly revenuePerGpuPerMonthUsd: number;
  /** Share of installed GPU time that served jobs, 0–1. */
  readonly gpuUtilization: number;
  readonly energyKwh: number;
  readonly preemptions: { readonly total: number; readonly flex: number; readonly guaranteed: number };
  readonly failedAttempts: number;
  /** What partner clouds ran (left out of the GPU figures), with their share of the completed jobs. */
  readonly partner: PartnerTotals & { readonly shareOfCompletedJobs: number };
}

/** Operators' figures over a window: every attempt that ended in `[fromMs, toMs)` on `installedGpus` GPUs. */
export function fleetFigures(
  records: readonly MeteredAttempt[],
  window: { readonly fromMs: number; readonly toMs: number; readonly installedGpus: number },
): FleetFigures {
  const all = records.filter((r) => {
    const atMs = Date.parse(r.completedAt);
    return atMs >= window.fromMs && atMs < window.toMs;
  });
  // The fleet's GPUs: a partner's attempt used none of them.
  const inWindow = all.filter((r) => !isPartnerLine(r));
  const completed = all.filter((r) => r.outcome === 'completed');
  const totals = totalsOf(inWindow);
  const seconds = Math.max(0, (window.toMs - window.fromMs) / 1000);
  const gpuTime = window.installedGpus * seconds;
  const preempted = inWindow.filter((r) => r.outcome === 'preempted');
  return {
    revenueUsd: totals.priceUsd,
    revenuePerGpuPerMonthUsd: gpuTime > 0 ? (totals.priceUsd / window.installedGpus) * (MONTH_SECONDS / seconds) : 0,
    gpuUtilization: gpuTime > 0 ? Math.min(1, totals.gpuSeconds / gpuTime) : 0,
    energyKwh: totals.energyKwh,
    preemptions: {
      total: preempted.length,
      flex: preempted.filter((r) => r.tier === 'flex').length,
      guaranteed: preempted.filter((r) => r.tier === 'guaranteed').length,
    },
    failedAttempts: inWindow.filter((r) => r.outcome === 'failed').length,
    partner: {
      ...partnerTotals(all),
      shareOfCompletedJobs: completed.length > 0 ? completed.filter(isPartnerLine).length / completed.length : 0,
    },
  };
}
