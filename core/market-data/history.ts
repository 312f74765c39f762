import type { MarketAncillaryProduct } from '../ancillary/products.js';
import type { AncillaryPriceGrid, HourlyAncillaryPrice } from './ancillary-prices.js';
import { type KnownAtView, type KnownGridEvent, knownAt, type PublicationRules } from './known-at.js';

/**
 * The market history a deployed planner forecasts from: one point per node and interval as market ingestion stores it
 * (the real-time price of the interval, its day-ahead price, the observed temperature), each field filled when its
 * source has published it.
 */
export interface MarketHistoryPoint {
  /** Start of the interval, epoch ms, on the history's grid. */
  readonly intervalStartMs: number;
  readonly rtUsdPerMwh?: number;
  readonly daUsdPerMwh?: number;
  readonly temperatureC?: number;
  /** ERCOT system load of the hour starting here, MW (stored under SYSTEM_LOAD_HISTORY_KEY, hourly points). */
  readonly systemLoadMw?: number;
  /** DAM ancillary capacity prices of the interval's hour, $/MW per hour (issue 25). */
  readonly asRrsUsdPerMwh?: number;
  readonly asEcrsUsdPerMwh?: number;
  readonly asNspinUsdPerMwh?: number;
}

/** The history key of the ERCOT-wide series (system load): not a node, one series for the whole market. */
export const SYSTEM_LOAD_HISTORY_KEY = 'ERCOT';
/**
 * Where ingestion stores the DAM capacity prices: ERCOT clears ancillary services system-wide, so they are one
 * ERCOT-wide series too (the deployed planner reads them beside each node's own history), not a copy per node.
 */
export const ANCILLARY_HISTORY_KEY = SYSTEM_LOAD_HISTORY_KEY;

/** Which stored field holds each product's DAM capacity price. */
export const ANCILLARY_HISTORY_FIELDS = {
  'RRS-UFR': 'asRrsUsdPerMwh',
  ECRS: 'asEcrsUsdPerMwh',
  NSPIN: 'asNspinUsdPerMwh',
} as const satisfies Record<MarketAncillaryProduct, keyof MarketHistoryPoint>;

export interface HistoryViewOptions {
  readonly stepMinutes: number;
  readonly publication: PublicationRules;
  readonly asOfMs: number;
  /** The latest hashprice known (the market snapshot's). */
  readonly hashpriceUsdPerThDay: number;
  readonly gridEvents: readonly KnownGridEvent[];
}

/**
 * The known-at view of stored history, read through the same publication rules as a backtest's market record
 * (core/market-data/known-at.ts): a value stored early is not seen before it is published. The real-time series runs
 * from the first stored price to the last, a missing interval holding the price before it; `gaps` counts them.
 * Undefined when no real-time price is stored.
 */
export function viewFromHistory(
  points: readonly MarketHistoryPoint[],
  options: HistoryViewOptions,
): { view: KnownAtView; gaps: number } | undefined {
  const stepMs = options.stepMinutes * 60_000;
  // A point off the grid (a snapshot of a finer interval) has no place in the series.
  const onGrid = points.filter((p) => p.intervalStartMs % stepMs === 0);
  const priced = onGrid
    .filter((p) => p.rtUsdPerMwh !== undefined)
    .sort((a, b) => a.intervalStartMs - b.intervalStartMs);
  const first = priced[0];
  if (!first) return undefined;
  const startMs = first.intervalStartMs;
  const indexOf = (atMs: number) => Math.round((atMs - startMs) / stepMs);
  const length = onGrid.reduce((max, p) => Math.max(max, indexOf(p.intervalStartMs)), 0) + 1;
  const rt = new Array<number | undefined>(length).fill(undefined);
  const da = new Array<number | undefined>(length).fill(undefined);
  const temperature = new Array<number | undefined>(length).fill(undefined);
  for (const p of onGrid) {
    const i = indexOf(p.intervalStartMs);
    if (i < 0) continue;
    if (p.rtUsdPerMwh !== undefined) rt[i] = p.rtUsdPerMwh;
    if (p.daUsdPerMwh !== undefined) da[i] = p.daUsdPerMwh;
    if (p.temperatureC !== undefined) temperature[i] = p.temperatureC;
  }
  const rtEnd = indexOf(priced[priced.length - 1]!.intervalStartMs) + 1;
  let gaps = 0;
  const held = (values: (number | undefined)[], end: number, count: boolean) => {
    const out: number[] = [];
    for (let i = 0; i < end; i += 1) {
      const value = values[i] ?? out[i - 1];
      if (value === undefined) break;
      if (count && values[i] === undefined) gaps += 1;
      out.push(value);
    }
    return out;
  };
  const lastIndex = (values: (number | undefined)[]) => values.findLastIndex((v) => v !== undefined) + 1;
  const ancillary = ancillaryFromPoints(onGrid, indexOf, length);
  const daValues = held(da, lastIndex(da), false);
  const temperatureValues = held(temperature, lastIndex(temperature), false);
  const view = knownAt(
    {
      startMs,
      stepMinutes: options.stepMinutes,
      rtUsdPerMwh: held(rt, rtEnd, true),
      ...(daValues.length > 0 ? { daUsdPerMwh: daValues } : {}),
      ...(temperatureValues.length > 0 ? { temperatureC: temperatureValues } : {}),
      ...(ancillary ? { ancillaryUsdPerMwh: ancillary } : {}),
      hashpriceDays: [{ dayStartMs: Number.NEGATIVE_INFINITY, value: options.hashpriceUsdPerThDay }],
      gridEvents: [],
      publication: options.publication,
    },
    options.asOfMs,
  );
  return { view: { ...view, gridEvents: options.gridEvents }, gaps };
}

/** The stored DAM capacity prices on the view's grid (NaN where none is stored); undefined when none is. */
function ancillaryFromPoints(
  points: readonly MarketHistoryPoint[],
  indexOf: (atMs: number) => number,
  length: number,
): AncillaryPriceGrid | undefined {
  const byProduct: Partial<Record<MarketAncillaryProduct, number[]>> = {};
  for (const [product, field] of Object.entries(ANCILLARY_HISTORY_FIELDS)) {
    const values = new Array<number>(length).fill(Number.NaN);
    let any = false;
    for (const p of points) {
      const i = indexOf(p.intervalStartMs);
      const price = p[field];
      if (i < 0 || price === undefined) continue;
      values[i] = price;
      any = true;
    }
    if (any) byProduct[product as MarketAncillaryProduct] = values;
  }
  return Object.keys(byProduct).length > 0 ? { market: 'dam', byProduct } : undefined;
}

const HOUR_MS = 3_600_000;

/**
 * Hourly capacity prices as market-history points on the history's grid: each interval of the hour carries its hour's
 * price in the product's field (ANCILLARY_HISTORY_FIELDS), one point per interval holding every product priced there.
 */
export function ancillaryHistoryPoints(
  prices: readonly HourlyAncillaryPrice[],
  stepMinutes: number,
): MarketHistoryPoint[] {
  const stepMs = stepMinutes * 60_000;
  const byInterval = new Map<number, Record<string, number>>();
  for (const price of prices) {
    for (let atMs = price.hourStartMs; atMs < price.hourStartMs + HOUR_MS; atMs += stepMs) {
      const point = byInterval.get(atMs) ?? { intervalStartMs: atMs };
      point[ANCILLARY_HISTORY_FIELDS[price.product]] = price.usdPerMwh;
      byInterval.set(atMs, point);
    }
  }
  return [...byInterval.values()]
    .map((point) => point as unknown as MarketHistoryPoint)
    .sort((a, b) => a.intervalStartMs - b.intervalStartMs);
}
