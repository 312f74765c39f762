import type { MarketAncillaryProduct } from '../ancillary/products.js';
import { CsvFormatError, columnIndex, numberCell, parseCsv } from './csv.js';
import { parseTimeCell } from './series.js';

/**
 * ERCOT's capacity prices for ancillary services (MCPC, $/MW per hour), by product, and how they become known:
 * - `dam`: the Day-Ahead Market's clearing prices for capacity (report NP4-188-CD), posted with the DAM results for
 *   operating day D at ~13:30 Central on D−1 (NP 4.1.2), so a plan made before that cannot read them;
 * - `rtc`: since RTC+B (2025-12-05) SCED co-optimises AS every 5 minutes; a real-time AS price is known when the SCED
 *   run for its interval has run, i.e. at the interval's start.
 * The shipped file (sim/data/ercot_dam_as_mcpc_hourly_2024-11_2025-04.csv) holds DAM prices from before RTC+B.
 */
export type AncillaryPriceMarket = 'dam' | 'rtc';

/** Capacity prices on the market grid (value i over grid interval i); NaN where the file has no price. */
export interface AncillaryPriceGrid {
  readonly market: AncillaryPriceMarket;
  readonly byProduct: Readonly<Partial<Record<MarketAncillaryProduct, readonly number[]>>>;
}

/** Hourly capacity prices as read from a file: hour starts (UTC ms, consecutive) and a price per product. */
export interface HourlyAncillaryPrices {
  readonly hourStartsMs: readonly number[];
  readonly byProduct: Readonly<Record<MarketAncillaryProduct, readonly number[]>>;
}

export interface AncillaryCsvColumns {
  readonly time: string;
  /** 1 on the second occurrence of the repeated hour when DST ends, else 0. */
  readonly dstRepeat: string;
  readonly products: Readonly<Record<MarketAncillaryProduct, string>>;
  readonly timeZone: string;
}

/**
 * Columns of the shipped file. A load resource sells RRS through its under-frequency relay, so RRS-UFR is paid the
 * RRS price; Reg-Up and Reg-Down need a Controllable Load Resource and are not offered.
 */
export const ERCOT_AS_PRICE_COLUMNS: AncillaryCsvColumns = {
  time: 'hour_start_local',
  dstRepeat: 'dst_repeat',
  products: { 'RRS-UFR': 'rrs_usd_mw_h', ECRS: 'ecrs_usd_mw_h', NSPIN: 'nspin_usd_mw_h' },
  timeZone: 'America/Chicago',
};

const HOUR_MS = 3_600_000;

/**
 * Parses an hourly capacity price file in the shipped file's columns. A bad row is an error naming its line and column:
 * a time that does not parse, a repeat flag other than 0/1, a price that is not a non-negative number, an hour that
 * does not follow the previous one (a gap or a duplicate).
 */
export function parseAncillaryPriceCsv(
  text: string,
  source: string,
  columns: AncillaryCsvColumns = ERCOT_AS_PRICE_COLUMNS,
): HourlyAncillaryPrices {
  const table = parseCsv(text, source);
  const timeAt = columnIndex(table, columns.time, source);
  const repeatAt = columnIndex(table, columns.dstRepeat, source);
  const products = Object.entries(columns.products) as Array<[MarketAncillaryProduct, string]>;
  const priceAt = products.map(([, column]) => columnIndex(table, column, source));
  const hourStartsMs: number[] = [];
  const byProduct = Object.fromEntries(products.map(([p]) => [p, [] as number[]])) as Record<
    MarketAncillaryProduct,
    number[]
  >;
  for (const { line, cells } of table.rows) {
    const raw = cells[timeAt]!;
    const wallMs = parseTimeCell(raw, columns.timeZone);
    if (wallMs === undefined) throw new CsvFormatError(source, line, columns.time, `"${raw}" is not a local time`);
    const repeat = cells[repeatAt];
    if (repeat !== '0' && repeat !== '1') {
      throw new CsvFormatError(source, line, columns.dstRepeat, `"${repeat}" is not 0 or 1`);
    }
    // The repeated hour's first occurrence is what a wall time maps to; the flagged second one is an hour later.
    const atMs = wallMs + (repeat === '1' ? HOUR_MS : 0);
    const previous = hourStartsMs.at(-1);
    if (previous !== undefined && atMs !== previous + HOUR_MS) {
      throw new CsvFormatError(
        source,
        line,
        columns.time,
        `${raw} does not follow the previous hour (${new Date(previous).toISOString()} UTC): a gap or a duplicate`,
      );
    }
    hourStartsMs.push(atMs);
    products.forEach(([product, column], j) => {
      const price = numberCell(cells, priceAt[j]!, { source, line, column });
      if (price < 0) throw new CsvFormatError(source, line, column, `${price} is negative: a capacity price is not`);
      byProduct[product].push(price);
    });
  }
  if (hourStartsMs.length === 0) throw new CsvFormatError(source, 2, columns.time, 'the file has no rows');
  return { hourStartsMs, byProduct };
}

/** The hourly prices on a market grid: each interval takes its hour's price; NaN outside the file. */
export function ancillaryOnGrid(
  hourly: HourlyAncillaryPrices,
  grid: { readonly startMs: number; readonly stepMinutes: number; readonly length: number },
  market: AncillaryPriceMarket,
): AncillaryPriceGrid {
  const first = hourly.hourStartsMs[0]!;
  const count = hourly.hourStartsMs.length;
  const stepMs = grid.stepMinutes * 60_000;
  const hourOf = (i: number) => Math.floor((grid.startMs + i * stepMs - first) / HOUR_MS);
  const byProduct = Object.fromEntries(
    Object.entries(hourly.byProduct).map(([product, prices]) => [
      product,
      Array.from({ length: grid.length }, (_, i) => {
        const h = hourOf(i);
        return h >= 0 && h < count ? prices[h]! : Number.NaN;
      }),
    ]),
  );
  return { market, byProduct };
}

/** One hour's DAM capacity price of one product, as a report row or a file cell gives it. */
export interface HourlyAncillaryPrice {
  readonly hourStartMs: number;
  readonly product: MarketAncillaryProduct;
  readonly usdPerMwh: number;
}

/** The hourly prices of a file as a list, each hour starting in [fromMs, toMs). */
export function hourlyAncillaryPricesIn(
  hourly: HourlyAncillaryPrices,
  fromMs: number,
  toMs: number,
): HourlyAncillaryPrice[] {
  const out: HourlyAncillaryPrice[] = [];
  hourly.hourStartsMs.forEach((hourStartMs, h) => {
    if (hourStartMs < fromMs || hourStartMs >= toMs) return;
    for (const [product, prices] of Object.entries(hourly.byProduct)) {
      out.push({ hourStartMs, product: product as MarketAncillaryProduct, usdPerMwh: prices[h]! });
    }
  });
  return out;
}
