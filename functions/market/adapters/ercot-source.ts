import { ERCOT_FOUR_CP } from '../../../core/forecast/four-cp.js';
import { ancillaryHistoryPoints, type MarketHistoryPoint } from '../../../core/market-data/history.js';
import {
  ERCOT_AS_TYPE_PRODUCTS,
  type ErcotIntervalPrice,
  missingIntervals,
  type PublishedSystemLoad,
  type RejectedRow,
} from '../../../core/market-ingest/ercot-api.js';
import type { AncillaryPrices, MarketSnapshot, ScedLmp } from '../../../core/model/market.js';
import { SYSTEM_LOAD_HISTORY_DAYS } from '../../optimizer/four-cp-outlook.js';
import type { MarketDataSource } from '../ports.js';
import { HandedOver } from './handed-over.js';

/** Prices of one report for the delivery day around an instant, the newest publication of each interval. */
export interface ErcotFeedResult {
  readonly name: string;
  readonly prices: readonly ErcotIntervalPrice[];
  /** Rows refused, with the field and rule each broke; never stored. */
  readonly rejected: readonly RejectedRow[];
}

/** Hours of ERCOT system load of one report, each with when it became known. */
export interface ErcotSystemLoadResult {
  readonly name: string;
  readonly points: readonly PublishedSystemLoad[];
  readonly rejected: readonly RejectedRow[];
}

/**
 * ERCOT's prices: real-time settlement point prices (NP6-905-CD, 15-minute) and day-ahead settlement point prices
 * (NP4-190-CD, hourly); where the feed has them, SCED LMPs (NP6-788-CD, 5-minute) and ancillary-service clearing
 * prices, day-ahead (NP4-188-CD, hourly) and real-time (NP6-331-CD, 15-minute). ErcotApiPriceFeed reads them all
 * from ERCOT's Public API.
 */
export interface ErcotPriceFeed {
  realTimePrices(atMs: number, nodes: readonly string[]): Promise<ErcotFeedResult>;
  dayAheadPrices(atMs: number, nodes: readonly string[]): Promise<ErcotFeedResult>;
  scedLmps?(atMs: number, nodes: readonly string[]): Promise<ErcotFeedResult>;
  dayAheadAncillaryPrices?(atMs: number): Promise<ErcotFeedResult>;
  realTimeAncillaryPrices?(atMs: number): Promise<ErcotFeedResult>;
  /** NP6-345-CD: hourly system load of the operating days from `fromMs`'s to `atMs`'s. */
  actualSystemLoad?(atMs: number, fromMs: number, delayMinutes: number): Promise<ErcotSystemLoadResult>;
}

/** ERCOT's ancillary service types as the reports name them, and the snapshot's keys for them. */
const ANCILLARY_TYPES = { REGUP: 'regup', REGDN: 'regdn', RRS: 'rrs', ECRS: 'ecrs', NSPIN: 'nspin' } as const;

const iso = (ms: number) => new Date(ms).toISOString();

/** Where data-quality findings go: metrics in AWS, a list in tests. */
export interface MarketDataQuality {
  rowsRejected(rows: readonly RejectedRow[]): void;
  intervalsMissing(intervals: ReadonlyArray<{ intervalStartMs: number; key: string }>): void;
}

const RTM_INTERVAL_MS = 15 * 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** After the first run, each asks NP6-345-CD for the last two operating days (it posts the previous one). */
const SYSTEM_LOAD_RECENT_DAYS = 2;

/** The prices known at `atMs` (published by then), with the report's missing intervals flagged up to the newest. */
function knownPrices(
  result: ErcotFeedResult,
  keys: readonly string[],
  atMs: number,
  quality: MarketDataQuality,
): ErcotIntervalPrice[] {
  quality.rowsRejected(result.rejected);
  const known = result.prices.filter((p) => keys.includes(p.key) && p.publishedAtMs <= atMs);
  if (known.length === 0) return known;
  const intervalMinutes = known[0]!.intervalMinutes;
  const starts = known.map((p) => p.intervalStartMs);
  quality.intervalsMissing(
    missingIntervals(known, keys, {
      fromMs: Math.min(...starts),
      toMs: Math.max(...starts) + intervalMinutes * 60_000,
      intervalMinutes,
    }),
  );
  return known;
}

/**
 * The real-time price at each of the fleet's settlement points, from ERCOT; ERCOT publishes prices only, so
 * hashprice and the GPU spot value come from another source (`nonPrice`). Only intervals that have ended by `atMs`
 * are used (a price is posted after its interval): a replay never sees a price before it existed.
 */
export class ErcotRtmMarketSource implements MarketDataSource {
  readonly name = 'ercot';
  private readonly handedOver = new HandedOver();
  private loadAskedBefore = false;

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
    const lmps = await this.lmpsAt(atMs);
    const ancillary = await this.ancillaryAt(atMs, latestMs);
    const rest = await this.deps.nonPrice.snapshotAt(atMs);
    return {
      ...rest,
      at: new Date(latestMs).toISOString(),
      intervalMinutes: 15,
      prices: nodes.map((node) => {
        const da = dayAhead.get(node);
        const lmp = lmps.get(node);
        return {
          node,
          realTimeUsdPerMwh: latest.get(node)!,
          ...(da === undefined ? {} : { dayAheadUsdPerMwh: da }),
          ...(lmp ? { lmp } : {}),
        };
      }),
      ...(ancillary ? { ancillary } : {}),
    };
  }

  /**
   * The DAM capacity prices (NP4-188-CD) posted by `atMs` for the intervals from the one under way, on the history's
   * 15-minute grid, for the planner's ancillary offers: today's, and tomorrow's once the DAM has posted (13:30 Central).
   * ERCOT clears AS system-wide: one series (ANCILLARY_HISTORY_KEY), each run handing over what it has not yet.
   */
  async ancillaryPricesAt(atMs: number): Promise<readonly MarketHistoryPoint[]> {
    const { feed, quality } = this.deps;
    if (!feed.dayAheadAncillaryPrices) return [];
    const types = Object.keys(ERCOT_AS_TYPE_PRODUCTS) as Array<keyof typeof ERCOT_AS_TYPE_PRODUCTS>;
    const fromMs = Math.floor(atMs / RTM_INTERVAL_MS) * RTM_INTERVAL_MS;
    const known = knownPrices(await feed.dayAheadAncillaryPrices(atMs), types, atMs, quality).filter(
      (p) => p.intervalStartMs + HOUR_MS > fromMs,
    );
    const points = ancillaryHistoryPoints(
      known.map((p) => ({
        hourStartMs: p.intervalStartMs,
        product: ERCOT_AS_TYPE_PRODUCTS[p.key as keyof typeof ERCOT_AS_TYPE_PRODUCTS],
        usdPerMwh: p.priceUsdPerMwh,
      })),
      RTM_INTERVAL_MS / 60_000,
    ).filter((p) => p.intervalStartMs >= fromMs);
    return this.handedOver.take('ancillary', points);
  }

  /**
   * ERCOT system load (NP6-345-CD) known by `atMs` under the 4CP forecaster's rule, not yet handed over: the first run
   * reaches back the days the 4CP outlook reads (so a new deployment forecasts at once), later runs two days.
   */
  async systemLoadAt(atMs: number): Promise<readonly MarketHistoryPoint[]> {
    const { feed, quality } = this.deps;
    if (!feed.actualSystemLoad) return [];
    const days = this.loadAskedBefore ? SYSTEM_LOAD_RECENT_DAYS : SYSTEM_LOAD_HISTORY_DAYS;
    const result = await feed.actualSystemLoad(atMs, atMs - days * DAY_MS, ERCOT_FOUR_CP.loadPublicationDelayMinutes);
    this.loadAskedBefore = true;
    quality.rowsRejected(result.rejected);
    const known = result.points
      .filter((p) => p.publishedAtMs <= atMs && p.intervalStartMs >= atMs - SYSTEM_LOAD_HISTORY_DAYS * DAY_MS)
      .sort((a, b) => a.intervalStartMs - b.intervalStartMs)
      .map(({ intervalStartMs, systemLoadMw }) => ({ intervalStartMs, systemLoadMw }));
    return this.handedOver.take('system-load', known);
  }

  /** Each node's newest SCED LMP published by `atMs`. */
  private async lmpsAt(atMs: number): Promise<Map<string, ScedLmp>> {
    const { feed, nodes, quality } = this.deps;
    if (!feed.scedLmps) return new Map();
    const newest = new Map<string, ErcotIntervalPrice>();
    for (const price of knownPrices(await feed.scedLmps(atMs, nodes), nodes, atMs, quality)) {
      if (price.intervalStartMs >= (newest.get(price.key)?.intervalStartMs ?? -Infinity)) newest.set(price.key, price);
    }
    return new Map(
      [...newest].map(([node, p]) => [
        node,
        { lmpUsdPerMwh: p.priceUsdPerMwh, intervalStartAt: iso(p.intervalStartMs), publishedAt: iso(p.publishedAtMs) },
      ]),
    );
  }

  /**
   * The ancillary-service prices of the snapshot's interval: the real-time ones when every type is published by
   * `atMs`, else the day-ahead ones of the hour holding it (the DAM posted the day before), else none.
   */
  private async ancillaryAt(atMs: number, intervalStartMs: number): Promise<AncillaryPrices | undefined> {
    const { feed, quality } = this.deps;
    const types = Object.keys(ANCILLARY_TYPES);
    const pick = async (source: 'rt' | 'dam', result: Promise<ErcotFeedResult> | undefined) => {
      if (!result) return undefined;
      const known = knownPrices(await result, types, atMs, quality).filter(
        (p) => p.intervalStartMs <= intervalStartMs && intervalStartMs < p.intervalStartMs + p.intervalMinutes * 60_000,
      );
      if (known.length < types.length) return undefined;
      const byType = new Map(known.map((p) => [p.key, p.priceUsdPerMwh]));
      return {
        source,
        intervalMinutes: known[0]!.intervalMinutes as 15 | 60,
        intervalStartAt: iso(known[0]!.intervalStartMs),
        publishedAt: iso(Math.max(...known.map((p) => p.publishedAtMs))),
        ancillaryUsdPerMwH: Object.fromEntries(
          Object.entries(ANCILLARY_TYPES).map(([type, field]) => [field, byType.get(type)!]),
        ) as AncillaryPrices['ancillaryUsdPerMwH'],
      };
    };
    return (
      (await pick('rt', feed.realTimeAncillaryPrices?.(atMs))) ??
      (await pick('dam', feed.dayAheadAncillaryPrices?.(atMs)))
    );
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
