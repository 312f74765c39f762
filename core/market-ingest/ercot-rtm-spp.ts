import { CsvFormatError, columnIndex, numberCell, parseCsv } from '../market-data/csv.js';
import { zonedWallTimeToUtcMs } from '../market-data/time-zone.js';

/**
 * ERCOT's real-time Settlement Point Prices report, NP6-905-CD ("Settlement Point Prices at Resource Nodes, Hubs and
 * Load Zones", one file per 15-minute interval, posted a few minutes after it ends). Columns:
 *
 *   DeliveryDate (MM/DD/YYYY), DeliveryHour (hour ending, 1–24), DeliveryInterval (1–4), SettlementPointName,
 *   SettlementPointType (HU, LZ, LZEW, RN, ...), SettlementPointPrice ($/MWh), DSTFlag (Y on the repeated hour when
 *   Central daylight time ends: the second occurrence of that hour).
 *
 * Times are Central prevailing time; hour ending H, interval I starts at (H − 1):(I − 1)·15.
 */

export const ERCOT_TIME_ZONE = 'America/Chicago';

export interface SettlementPointPrice {
  readonly intervalStartMs: number;
  readonly settlementPoint: string;
  readonly type: string;
  readonly priceUsdPerMwh: number;
}

const DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;
const HOUR_MS = 3_600_000;

/** A delivery date in Central prevailing time. */
export interface ErcotDeliveryDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/**
 * UTC start of the interval that begins `minuteOfHour` minutes into hour ending `hourEnding` of a delivery date.
 * The wall time maps to its first (daylight-time) occurrence; ERCOT flags the repeated hour of the fall-back day
 * with DSTFlag=Y, which is the same wall time one hour later.
 */
export function ercotIntervalStartMs(
  date: ErcotDeliveryDate,
  hourEnding: number,
  minuteOfHour: number,
  repeatedHour: boolean,
): number {
  const wall = { ...date, hour: hourEnding - 1, minute: minuteOfHour, second: 0 };
  return zonedWallTimeToUtcMs(wall, ERCOT_TIME_ZONE) + (repeatedHour ? HOUR_MS : 0);
}

function intervalStartMs(
  date: string,
  hourEnding: number,
  interval: number,
  repeatedHour: boolean,
  where: { source: string; line: number },
): number {
  const match = DATE.exec(date);
  if (!match) throw new CsvFormatError(where.source, where.line, 'DeliveryDate', `"${date}" is not MM/DD/YYYY`);
  if (!Number.isInteger(hourEnding) || hourEnding < 1 || hourEnding > 24) {
    throw new CsvFormatError(where.source, where.line, 'DeliveryHour', `${hourEnding} is not an hour ending 1–24`);
  }
  if (!Number.isInteger(interval) || interval < 1 || interval > 4) {
    throw new CsvFormatError(where.source, where.line, 'DeliveryInterval', `${interval} is not 1–4`);
  }
  const [, month, day, year] = match;
  return ercotIntervalStartMs(
    { year: +year!, month: +month!, day: +day! },
    hourEnding,
    (interval - 1) * 15,
    repeatedHour,
  );
}

export function parseRtmSettlementPointPrices(text: string, source: string): SettlementPointPrice[] {
  // ERCOT quotes every field ("11/28/2026","14",...); no field holds a comma, so the quotes can simply go.
  const table = parseCsv(text.replaceAll('"', ''), source);
  const col = (name: string) => columnIndex(table, name, source);
  const [date, hour, interval, name, type, price, dst] = [
    'DeliveryDate',
    'DeliveryHour',
    'DeliveryInterval',
    'SettlementPointName',
    'SettlementPointType',
    'SettlementPointPrice',
    'DSTFlag',
  ].map(col) as [number, number, number, number, number, number, number];
  return table.rows.map(({ line, cells }) => {
    const where = { source, line };
    return {
      intervalStartMs: intervalStartMs(
        cells[date] ?? '',
        numberCell(cells, hour, { ...where, column: 'DeliveryHour' }),
        numberCell(cells, interval, { ...where, column: 'DeliveryInterval' }),
        (cells[dst] ?? 'N').trim().toUpperCase() === 'Y',
        where,
      ),
      settlementPoint: cells[name] ?? '',
      type: cells[type] ?? '',
      priceUsdPerMwh: numberCell(cells, price, { ...where, column: 'SettlementPointPrice' }),
    };
  });
}

/** The newest interval's price at each wanted settlement point (hubs and load zones are what sites settle at). */
export function latestPrices(
  prices: readonly SettlementPointPrice[],
  nodes: readonly string[],
): { intervalStartMs: number; byNode: Map<string, number> } | undefined {
  const wanted = new Set(nodes);
  const relevant = prices.filter((p) => wanted.has(p.settlementPoint));
  if (relevant.length === 0) return undefined;
  const intervalStartMs = Math.max(...relevant.map((p) => p.intervalStartMs));
  const byNode = new Map(
    relevant.filter((p) => p.intervalStartMs === intervalStartMs).map((p) => [p.settlementPoint, p.priceUsdPerMwh]),
  );
  return { intervalStartMs, byNode };
}
