import { CsvFormatError, columnIndex, numberCell, parseCsv } from './csv.js';
import type { MarketHistoryPoint } from './history.js';
import type { RegularSeries } from './series.js';
import { parseTimeCell } from './series.js';
import { localWallMinutes } from './time-zone.js';

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
const WALL_HOUR = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** A wall-clock time as if it were UTC (the zone's local minutes × 60,000), or undefined. */
function wallClockMs(raw: string): number | undefined {
  const m = WALL_HOUR.exec(raw);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0'] = m;
  if (+mo! < 1 || +mo! > 12 || +d! < 1 || +d! > 31 || +h! > 23 || +mi! > 59) return undefined;
  return Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s);
}
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
  let previousWall: number | undefined;
  for (const { line, cells } of table.rows) {
    const raw = cells[time] ?? '';
    const wall = wallClockMs(raw);
    if (wall === undefined || (startMs === undefined && parseTimeCell(raw, options.timeZone) === undefined)) {
      throw new CsvFormatError(source, line, options.timeColumn, `"${raw}" is not a time (YYYY-MM-DD HH:mm)`);
    }
    const flag = cells[repeat];
    if (flag !== '0' && flag !== '1') {
      throw new CsvFormatError(source, line, options.dstRepeatColumn, `"${flag}" is not 0 or 1`);
    }
    if ((flag === '1') !== (wall === previousWall)) {
      throw new CsvFormatError(source, line, options.dstRepeatColumn, `${flag} does not match a repeated hour`);
    }
    const mw = numberCell(cells, load, { source, line, column: options.loadColumn });
    if (!(mw > 0 && mw < MAX_SYSTEM_LOAD_MW)) {
      throw new CsvFormatError(source, line, options.loadColumn, `${mw} MW is not a system load (0–200,000 MW)`);
    }
    startMs ??= parseTimeCell(raw, options.timeZone)!;
    // Each row is the hour after the one before: its wall-clock time must be that instant's (one zone lookup a row).
    const expected = startMs + values.length * HOUR_MS;
    if (localWallMinutes(expected, options.timeZone) * 60_000 !== wall) {
      throw new CsvFormatError(
        source,
        line,
        options.timeColumn,
        `expected the hour starting ${new Date(expected).toISOString()} (one hour after the row before), found "${raw}"`,
      );
    }
    previousWall = wall;
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
