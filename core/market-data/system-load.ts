import { CsvFormatError, columnIndex, numberCell, parseCsv } from './csv.js';
import type { MarketHistoryPoint } from './history.js';
import type { RegularSeries } from './series.js';
import { parseTimeCell } from './series.js';

/**
 * ERCOT system load on an hourly grid (hourly average MW, hour start), as in
 * sim/data/ercot_native_load_hourly_2021-2022.csv: wall-clock hour starts in Central prevailing time, the repeated
 * hour of the fall-back day marked by `dst_repeat` = 1 on its second (standard-time) row.
 */
export interface SystemLoadCsvOptions {
  readonly timeColumn: string;
  /** 1 on the second row of the repeated fall-back hour, 0 elsewhere. */
  readonly dstRepeatColumn: string;
  readonly loadColumn: string;
  readonly timeZone: string;
}

/** Columns of the shipped native-load file. */
export const ERCOT_NATIVE_LOAD_COLUMNS: SystemLoadCsvOptions = {
  timeColumn: 'hour_start_local',
  dstRepeatColumn: 'dst_repeat',
  loadColumn: 'ercot_mw',
  timeZone: 'America/Chicago',
};

const HOUR_MS = 3_600_000;
/** ERCOT's all-time hourly peak is ~85.5 GW (2023-08-10); anything outside (0, 200 GW) is a broken row. */
const MAX_SYSTEM_LOAD_MW = 200_000;

/**
 * Parses a system-load CSV into an hourly series. Every row must be one hour after the one before (the file has no
 * gaps), and a load must be a positive MW figure: a bad row stops the parse with its line and column.
 */
export function parseSystemLoadCsv(
  text: string,
  source: string,
  options: SystemLoadCsvOptions = ERCOT_NATIVE_LOAD_COLUMNS,
): RegularSeries {
  const table = parseCsv(text, source);
  const time = columnIndex(table, options.timeColumn, source);
  const repeat = columnIndex(table, options.dstRepeatColumn, source);
  const load = columnIndex(table, options.loadColumn, source);
  const values: number[] = [];
  let startMs: number | undefined;
  for (const { line, cells } of table.rows) {
    const wallMs = parseTimeCell(cells[time] ?? '', options.timeZone);
    if (wallMs === undefined) {
      throw new CsvFormatError(source, line, options.timeColumn, `"${cells[time]}" is not a time (YYYY-MM-DD HH:mm)`);
    }
    const flag = cells[repeat];
    if (flag !== '0' && flag !== '1') {
      throw new CsvFormatError(source, line, options.dstRepeatColumn, `"${flag}" is not 0 or 1`);
    }
    // The repeated wall hour maps to its first occurrence: the second one is an hour later.
    const atMs = wallMs + (flag === '1' ? HOUR_MS : 0);
    const mw = numberCell(cells, load, { source, line, column: options.loadColumn });
    if (!(mw > 0 && mw < MAX_SYSTEM_LOAD_MW)) {
      throw new CsvFormatError(source, line, options.loadColumn, `${mw} MW is not a system load (0–200,000 MW)`);
    }
    startMs ??= atMs;
    const expected = startMs + values.length * HOUR_MS;
    if (atMs !== expected) {
      throw new CsvFormatError(
        source,
        line,
        options.timeColumn,
        `expected the hour starting ${new Date(expected).toISOString()} (one hour after the row before), found ${new Date(atMs).toISOString()}`,
      );
    }
    values.push(mw);
  }
  if (startMs === undefined) throw new CsvFormatError(source, 2, options.loadColumn, 'no rows');
  return { startMs, stepMinutes: 60, values };
}

/**
 * The hours of a system-load record published in (fromMs, toMs] (an hour is published `delayMinutes` after it ends),
 * as market-history points: what an ingestion run appends under SYSTEM_LOAD_HISTORY_KEY.
 */
export function publishedLoadPoints(
  record: RegularSeries,
  delayMinutes: number,
  fromMs: number,
  toMs: number,
): MarketHistoryPoint[] {
  const publishedEnd = (atMs: number) =>
    Math.max(0, Math.min(record.values.length, Math.floor((atMs - delayMinutes * 60_000 - record.startMs) / HOUR_MS)));
  const points: MarketHistoryPoint[] = [];
  for (let i = publishedEnd(fromMs); i < publishedEnd(toMs); i += 1) {
    points.push({ intervalStartMs: record.startMs + i * HOUR_MS, systemLoadMw: record.values[i]! });
  }
  return points;
}
