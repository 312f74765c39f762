import { type ErcotIntervalPrice, missingIntervals, type RejectedRow } from '../../../core/market-ingest/ercot-api.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import type { MarketDataSource } from '../ports.js';

/** Prices of one report for the delivery day around an instant, the newest publication of each interval. */
export interface ErcotFeedResult {
  readonly name: string;
  readonly prices: readonly ErcotIntervalPrice[];
  /** Rows refused, with the field and rule each broke; never stored. */
  readonly rejected: readonly RejectedRow[];
}

/**
 * ERCOT's prices: real-time settlement point prices (NP6-905-CD, 15-minute) and day-ahead settlement point prices
 * (NP4-190-CD, hourly). ErcotApiPriceFeed reads them from ERCOT's Public API.
 */
export interface ErcotPriceFeed {
  realTimePrices(atMs: number, nodes: readonly string[]): Promise<ErcotFeedResult>;
  dayAheadPrices(atMs: number, nodes: readonly string[]): Promise<ErcotFeedResult>;
}

/** Where data-quality findings go: metrics in AWS, a list in tests. */
export interface MarketDataQuality {
  rowsRejected(rows: readonly RejectedRow[]): void;
  intervalsMissing(intervals: ReadonlyArray<{ intervalStartMs: number; key: string }>): void;
}

const RTM_INTERVAL_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;

/**
 * The real-time price at each of the fleet's settlement points, from ERCOT; ERCOT publishes prices only, so
 * hashprice and the GPU spot value come from another source (`nonPrice`). Only intervals that have ended by `atMs`
 * are used (a price is posted after its interval): a replay never sees a price before it existed.
 */
export class ErcotRtmMarketSource implements MarketDataSource {
  readonly name = 'ercot';

  constructor(
    private readonly deps: {
      readonly feed: ErcotPriceFeed;
      /** Settlement points to keep (the fleet's market nodes). */
      readonly nodes: readonly string[];
      /** Supplies hashprice and GPU spot value, the fields ERCOT does not publish. */
      readonly nonPrice: MarketDataSource;
      readonly quality: MarketDataQuality;
    },
  ) {}

  async snapshotAt(atMs: number): Promise<MarketSnapshot> {
    const { feed, nodes, quality } = this.deps;
    const realTime = await feed.realTimePrices(atMs, nodes);
    quality.rowsRejected(realTime.rejected);
    const known = realTime.prices.filter((p) => nodes.includes(p.key) && p.intervalStartMs + RTM_INTERVAL_MS <= atMs);
    if (known.length === 0) throw new RangeError(`${realTime.name} has no ended interval for ${nodes.join(', ')}`);
    const firstMs = Math.min(...known.map((p) => p.intervalStartMs));
    const latestMs = Math.max(...known.map((p) => p.intervalStartMs));
    quality.intervalsMissing(
      missingIntervals(known, nodes, { fromMs: firstMs, toMs: latestMs + RTM_INTERVAL_MS, intervalMinutes: 15 }),
    );
    const latest = new Map(known.filter((p) => p.intervalStartMs === latestMs).map((p) => [p.key, p.priceUsdPerMwh]));
    const missing = nodes.filter((node) => !latest.has(node));
    if (missing.length > 0) throw new RangeError(`${realTime.name} lacks ${missing.join(', ')}`);
    const dayAhead = await this.dayAheadAt(latestMs);
    const rest = await this.deps.nonPrice.snapshotAt(atMs);
    return {
      ...rest,
      at: new Date(latestMs).toISOString(),
      intervalMinutes: 15,
      prices: nodes.map((node) => {
        const da = dayAhead.get(node);
        return { node, realTimeUsdPerMwh: latest.get(node)!, ...(da === undefined ? {} : { dayAheadUsdPerMwh: da }) };
      }),
    };
  }

  /** Day-ahead prices of the hour holding the interval; the DAM cleared the day before, so none is look-ahead. */
  private async dayAheadAt(intervalStartMs: number): Promise<Map<string, number>> {
    const result = await this.deps.feed.dayAheadPrices(intervalStartMs, this.deps.nodes);
    this.deps.quality.rowsRejected(result.rejected);
    return new Map(
      result.prices
        .filter((p) => p.intervalStartMs <= intervalStartMs && intervalStartMs < p.intervalStartMs + HOUR_MS)
        .map((p) => [p.key, p.priceUsdPerMwh]),
    );
  }
}
