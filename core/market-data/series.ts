import { CsvFormatError, type CsvTable, columnIndex, numberCell, parseCsv } from './csv.js';
import { zonedWallTimeToUtcMs } from './time-zone.js';

/** A regular time grid: value i applies over [startMs + i·step, startMs + (i+1)·step). */
export interface RegularSeries {
  readonly startMs: number;
  readonly stepMinutes: number;
  readonly values: readonly number[];
}

/** Real-time price with the day-ahead price and temperature on the same grid where the file has them. */
export interface PriceSeries {
  readonly rtUsdPerMwh: RegularSeries;
  readonly daUsdPerMwh?: RegularSeries;
  readonly temperatureC?: RegularSeries;
  /** The file's own resolution, before any resampling. */
  readonly sourceStepMinutes: number;
}

export interface PriceCsvOptions {
  readonly timeColumn: string;
  readonly priceColumn: string;
  readonly dayAheadColumn?: string;
  readonly temperatureColumn?: string;
  /** IANA zone of wall-clock times without an offset; ERCOT publishes Central prevailing time. */
  readonly timeZone: string;
}

/** Columns of sim/data/ercot_hb_south_rt_15min_2024-11_2025-03.csv. */
export const ERCOT_SHARED_PRICE_COLUMNS: PriceCsvOptions = {
  timeColumn: 'interval_start_local',
  priceColumn: 'rt_price_usd_mwh',
  dayAheadColumn: 'da_price_usd_mwh',
  temperatureColumn: 'temperature_c',
  timeZone: 'America/Chicago',
};

const WALL_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** Parses `2024-11-01 00:15:00` (wall time in `timeZone`), a date alone, or an ISO instant with an offset. */
export function parseTimeCell(raw: string, timeZone: string): number | undefined {
  const wall = WALL_TIME.exec(raw);
  if (wall) {
    const [, y, mo, d, h = '0', mi = '0', s = '0'] = wall;
    const parts = { year: +y!, month: +mo!, day: +d!, hour: +h, minute: +mi, second: +s };
    if (parts.month < 1 || parts.month > 12 || parts.day < 1 || parts.day > 31 || parts.hour > 23 || parts.minute > 59)
      return undefined;
    return zonedWallTimeToUtcMs(parts, timeZone);
  }
  if (/[zZ]|[+-]\d{2}:?\d{2}$/.test(raw)) {
    const ms = Date.parse(raw);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

interface Point {
  readonly atMs: number;
  readonly values: readonly number[];
}

/**
 * Puts irregular points on a grid of `stepMinutes`: points falling in one cell are averaged (a DST repeat), an empty
 * cell holds the previous value (a DST gap or a missing row).
 */
export function regularize(points: readonly Point[], stepMinutes: number, width: number): RegularSeries[] {
  const stepMs = stepMinutes * 60_000;
  const sorted = [...points].sort((a, b) => a.atMs - b.atMs);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (!first || !last) return [];
  const startMs = Math.floor(first.atMs / stepMs) * stepMs;
  const cells = Math.floor((last.atMs - startMs) / stepMs) + 1;
  const sums = Array.from({ length: width }, () => new Array<number>(cells).fill(0));
  const counts = new Array<number>(cells).fill(0);
  for (const point of sorted) {
    const cell = Math.floor((point.atMs - startMs) / stepMs);
    counts[cell]! += 1;
    point.values.forEach((v, k) => {
      sums[k]![cell]! += v;
    });
  }
  return sums.map((sum) => {
    const values: number[] = [];
    sum.forEach((total, cell) => {
      const count = counts[cell]!;
      values.push(count > 0 ? total / count : (values[cell - 1] ?? 0));
    });
    return { startMs, stepMinutes, values };
  });
}

/** Holds each value over finer steps, or averages over coarser ones; the target step must divide or be a multiple. */
export function resample(series: RegularSeries, stepMinutes: number): RegularSeries {
  if (stepMinutes === series.stepMinutes) return series;
  if (series.stepMinutes % stepMinutes === 0) {
    const repeat = series.stepMinutes / stepMinutes;
    return { startMs: series.startMs, stepMinutes, values: series.values.flatMap((v) => new Array(repeat).fill(v)) };
  }
  if (stepMinutes % series.stepMinutes === 0) {
    const group = stepMinutes / series.stepMinutes;
    const values: number[] = [];
    for (let i = 0; i + group <= series.values.length; i += group) {
      values.push(series.values.slice(i, i + group).reduce((a, b) => a + b, 0) / group);
    }
    return { startMs: series.startMs, stepMinutes, values };
  }
  throw new Error(`cannot resample a ${series.stepMinutes}-minute series to ${stepMinutes} minutes`);
}

/** Most common spacing between consecutive timestamps, in minutes. */
function nativeStepMinutes(points: readonly Point[]): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < Math.min(points.length, 2000); i++) {
    const gap = Math.round((points[i]!.atMs - points[i - 1]!.atMs) / 60_000);
    if (gap > 0) counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  const [best] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  return best ? best[0] : 60;
}

function readPoints(table: CsvTable, source: string, timeColumn: string, timeZone: string, columns: string[]): Point[] {
  const timeIndex = columnIndex(table, timeColumn, source);
  const indexes = columns.map((c) => columnIndex(table, c, source));
  return table.rows.map(({ line, cells }) => {
    const atMs = parseTimeCell(cells[timeIndex] ?? '', timeZone);
    if (atMs === undefined) {
      throw new CsvFormatError(source, line, timeColumn, `"${cells[timeIndex]}" is not a time (YYYY-MM-DD HH:mm[:ss])`);
    }
    const values = indexes.map((index, k) => numberCell(cells, index, { source, line, column: columns[k]! }));
    return { atMs, values };
  });
}

/** Parses a price CSV (text already read) onto a grid of `stepMinutes`. */
export function parsePriceCsv(
  text: string,
  source: string,
  options: PriceCsvOptions,
  stepMinutes: number,
): PriceSeries {
  const table = parseCsv(text, source);
  const columns = [options.priceColumn, options.dayAheadColumn, options.temperatureColumn].filter(
    (c): c is string => c !== undefined,
  );
  const points = readPoints(table, source, options.timeColumn, options.timeZone, columns);
  if (points.length < 2) throw new CsvFormatError(source, 2, options.priceColumn, 'needs at least two rows');
  const sourceStepMinutes = nativeStepMinutes(points);
  const native = regularize(points, sourceStepMinutes, columns.length).map((s) => resample(s, stepMinutes));
  let k = 1;
  return {
    sourceStepMinutes,
    rtUsdPerMwh: native[0]!,
    ...(options.dayAheadColumn ? { daUsdPerMwh: native[k++]! } : {}),
    ...(options.temperatureColumn ? { temperatureC: native[k++]! } : {}),
  };
}

/** A daily hashprice series (UTC days) with its inputs, as in sim/data/btc_hashprice_daily_2020-04_2025-04.csv. */
export interface HashpriceDay {
  readonly dayStartMs: number;
  readonly btcPriceUsd: number;
  readonly difficulty: number;
  readonly subsidyBtc: number;
  /** Missing in the shared file outside 2024-02-06..2025-02-03. */
  readonly feesBtcPerDay?: number;
  readonly hashpriceUsdPerThDay: number;
}

export function parseHashpriceCsv(text: string, source: string): HashpriceDay[] {
  const table = parseCsv(text, source);
  const col = (name: string) => columnIndex(table, name, source);
  const [date, btc, difficulty, subsidy, fees, hashprice] = [
    'date',
    'btc_usd_close',
    'difficulty',
    'subsidy_btc_per_block',
    'fees_btc_per_day',
    'hashprice_usd_per_ths_day',
  ].map(col) as [number, number, number, number, number, number];
  return table.rows.map(({ line, cells }) => {
    const at = (column: string) => ({ source, line, column });
    const dayStartMs = parseTimeCell(cells[date] ?? '', 'UTC');
    if (dayStartMs === undefined) throw new CsvFormatError(source, line, 'date', `"${cells[date]}" is not a date`);
    const feesRaw = cells[fees] ?? '';
    return {
      dayStartMs,
      btcPriceUsd: numberCell(cells, btc, at('btc_usd_close')),
      difficulty: numberCell(cells, difficulty, at('difficulty')),
      subsidyBtc: numberCell(cells, subsidy, at('subsidy_btc_per_block')),
      ...(feesRaw === '' ? {} : { feesBtcPerDay: numberCell(cells, fees, at('fees_btc_per_day')) }),
      hashpriceUsdPerThDay: numberCell(cells, hashprice, at('hashprice_usd_per_ths_day')),
    };
  });
}

/** Hashprice on the price grid: each interval takes the value of its UTC day (the last known day past the end). */
export function hashpriceOnGrid(days: readonly HashpriceDay[], grid: RegularSeries): RegularSeries {
  const sorted = [...days].sort((a, b) => a.dayStartMs - b.dayStartMs);
  const stepMs = grid.stepMinutes * 60_000;
  let cursor = 0;
  const values = grid.values.map((_, i) => {
    const atMs = grid.startMs + i * stepMs;
    while (cursor + 1 < sorted.length && sorted[cursor + 1]!.dayStartMs <= atMs) cursor++;
    return sorted[cursor]?.hashpriceUsdPerThDay ?? 0;
  });
  return { startMs: grid.startMs, stepMinutes: grid.stepMinutes, values };
}
