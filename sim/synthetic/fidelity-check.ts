import { localCalendar, MS_PER_HOUR } from '../../core/synthetic/calendar.js';
import type { Calibration } from '../../core/synthetic/calibration.js';
import { streamRng } from '../../core/synthetic/draws.js';
import {
  compareStatistics,
  type FidelityRow,
  formatFidelityTable,
  type PriceStatistics,
  priceStatistics,
} from '../../core/synthetic/fidelity.js';
import { PriceProcess } from '../../core/synthetic/price-model.js';
import { marketScenarioSchema } from '../../core/synthetic/scenario.js';
import { ERCOT_PRICE_FILE, readPriceFile } from '../data/market-files.js';

/** The seed the fidelity test and `npm run gen -- --compare` use unless told otherwise. */
export const FIDELITY_SEED = 2024;

export interface FidelityReport {
  readonly seed: number;
  readonly rows: readonly FidelityRow[];
  /** Per row, how many of `seeds` seeds pass: how much of a pass or fail is luck. */
  readonly passRate?: readonly number[];
  readonly seeds?: number;
}

/** Synthetic HB_SOUTH prices over the real file's span and calendar, from the calibrated model alone. */
export function syntheticLikeReal(calibration: Calibration, seed: number, startMs: number, count: number): number[] {
  const scenario = marketScenarioSchema.parse({ nodes: [{ node: calibration.price.node }] });
  const process = new PriceProcess(calibration.price, scenario, streamRng(seed, 'price'));
  const stepMs = calibration.price.stepMinutes * 60_000;
  const prices: number[] = [];
  for (let i = 0; i < count; i++) {
    const atMs = startMs + i * stepMs;
    prices.push(
      process.step(atMs, localCalendar(atMs, calibration.price.timeZone), (i * stepMs) / MS_PER_HOUR).nodes[0]!
        .rtUsdPerMwh,
    );
  }
  return prices;
}

export function realPriceStatistics(file = ERCOT_PRICE_FILE, stepMinutes = 15) {
  const series = readPriceFile(file, stepMinutes).rtUsdPerMwh;
  return { series, statistics: priceStatistics(series.values, stepMinutes) };
}

export function fidelityReport(calibration: Calibration, seed = FIDELITY_SEED, seeds = 0): FidelityReport {
  const { series, statistics: real } = realPriceStatistics(ERCOT_PRICE_FILE, calibration.price.stepMinutes);
  const statsFor = (s: number): PriceStatistics =>
    priceStatistics(syntheticLikeReal(calibration, s, series.startMs, series.values.length), series.stepMinutes);
  const rows = compareStatistics(real, statsFor(seed));
  if (seeds <= 0) return { seed, rows };
  const passes = rows.map(() => 0);
  for (let s = 1; s <= seeds; s++) {
    compareStatistics(real, statsFor(s)).forEach((row, k) => {
      if (row.pass) passes[k]! += 1;
    });
  }
  return { seed, rows, passRate: passes, seeds };
}

export function formatFidelityReport(report: FidelityReport): string {
  const table = formatFidelityTable(report.rows).split('\n');
  const lines = table.map((line, k) => {
    if (!report.passRate || !report.seeds) return line;
    if (k === 0) return `${line}  seeds 1..${report.seeds} passing`;
    if (k === 1) return `${line}  ${'-'.repeat(20)}`;
    return `${line}  ${report.passRate[k - 2]}/${report.seeds}`;
  });
  const failed = report.rows.filter((r) => !r.pass).length;
  const notes = report.rows.map((r) => `  ${r.label}: ${r.why}`);
  return [
    `synthetic HB_SOUTH (seed ${report.seed}, calibrated model, same span as the real file) vs sim/data/ercot_hb_south_rt_15min_2024-11_2025-03.csv`,
    ...lines,
    failed === 0 ? 'all rows within tolerance' : `${failed} row(s) outside tolerance`,
    'tolerances:',
    ...notes,
  ].join('\n');
}
