import type { BacktestData } from '../../core/strategies/context.js';
import type { StrategyRun } from './run.js';

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());
const num = (v: number | null, digits = 2) => (v === null ? '' : v.toFixed(digits));

/**
 * One row per step of a run: when it starts, what was known at its decision (the latest published real-time interval
 * and the hashprice), the price the strategy planned on, the price that settled, units on per ASIC group and the
 * realised net profit.
 */
export function traceCsv(data: BacktestData, run: StrategyRun): string {
  const stepMs = data.stepMinutes * 60_000;
  const groups = data.sites.flatMap((site) => site.asicGroups.map((g) => `units_on_${site.id}_${g.id}`));
  const header = [
    'time_utc',
    'known_rt_through_utc',
    'known_hashprice_usd_per_th_day',
    'planned_price_usd_per_mwh',
    'settled_price_usd_per_mwh',
    'dr_deployed',
    ...groups,
    'net_usd',
  ].join(',');
  const lines = [header];
  for (let t = 0; t < run.stepNetUsd.length; t += 1) {
    const lastKnown = run.lastKnownRtStartMs[t] ?? null;
    lines.push(
      [
        iso(data.startMs + t * stepMs),
        lastKnown === null ? '' : iso(lastKnown + stepMs),
        num(run.knownHashpriceUsdPerThDay[t]!, 6),
        num(run.plannedPriceUsdPerMwh[t] ?? null),
        num(data.truth.priceUsdPerMwh[t]!),
        data.truth.drDeployed[t] ? 1 : 0,
        ...run.unitsOn.flatMap((site) => site.map((group) => Math.round(group[t]!))),
        num(run.stepNetUsd[t]!),
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface CostlyInterval {
  readonly timeUtc: string;
  /** What the run lost against the reference in this step. */
  readonly lostUsd: number;
  readonly settledPriceUsdPerMwh: number;
  readonly plannedPriceUsdPerMwh: number | null;
  readonly knownRtThroughUtc: string;
}

/** The `count` steps where `run` earned least against `reference`, with the price it planned on. */
export function costliestIntervals(
  data: BacktestData,
  run: StrategyRun,
  reference: StrategyRun,
  count = 10,
): CostlyInterval[] {
  const stepMs = data.stepMinutes * 60_000;
  return run.stepNetUsd
    .map((net, t) => ({ t, lost: reference.stepNetUsd[t]! - net }))
    .sort((a, b) => b.lost - a.lost)
    .slice(0, count)
    .map(({ t, lost }) => ({
      timeUtc: iso(data.startMs + t * stepMs),
      lostUsd: lost,
      settledPriceUsdPerMwh: data.truth.priceUsdPerMwh[t]!,
      plannedPriceUsdPerMwh: run.plannedPriceUsdPerMwh[t] ?? null,
      knownRtThroughUtc: iso(run.lastKnownRtStartMs[t] === null ? null : run.lastKnownRtStartMs[t]! + stepMs),
    }));
}
