import { readFileSync } from 'node:fs';
import type { MarketHistoryPoint } from '../../core/market-data/history.js';
import { ERCOT_SHARED_PRICE_COLUMNS } from '../../core/market-data/series.js';
import type { MarketSnapshot } from '../../core/model/market.js';
import type { Fleet } from '../../core/model/site.js';
import {
  CsvPublishedSeries,
  weekAlignedShiftMs,
  withPublishedSeries,
} from '../../functions/market/adapters/csv-series.js';
import { CsvMarketSource } from '../../functions/market/adapters/csv-source.js';
import { pricingEveryMarketNode } from '../../functions/market/adapters/every-market-node.js';
import { SyntheticMarketSource } from '../../functions/market/adapters/synthetic-source.js';
import type { MarketDataSource } from '../../functions/market/ports.js';
import { SYSTEM_LOAD_HISTORY_DAYS } from '../../functions/optimizer/four-cp-outlook.js';
import {
  ERCOT_AS_PRICE_FILE,
  readAncillaryPriceFile,
  readPriceFile,
  readSystemLoadFile,
  SYSTEM_LOAD_FILE,
} from '../data/market-files.js';
import { loadCalibration } from '../synthetic/calibration-file.js';
import { loadScenario } from '../synthetic/scenario-files.js';
import { DEFAULT_SCENARIO, type PlatformOptions } from './options.js';

/** An injected price: every node (or the listed ones) clears at this price from `fromMs` until `untilMs` (sim time). */
export interface PriceOverride {
  readonly fromMs: number;
  readonly untilMs: number;
  readonly priceUsdPerMwh: number;
  readonly nodes?: readonly string[];
}

/** The CSVs carry no GPU market: the scenario default H100 spot rate stands in (core/synthetic/scenario.ts). */
const REAL_FILES_GPU_SPOT_USD_PER_GPU_HOUR = 2.1;
/** The shared real-time file is 15-minute settlement intervals. */
const REAL_FILES_STEP_MINUTES = 15;

/**
 * The market the local platform replays: a source (synthetic scenario or real files) clamped to its time range, with
 * injected price overrides on top. Dispatch ingestion and the replay read this one feed, so a spike is seen by the
 * gateways, the optimizer and the dashboard alike.
 */
export class MarketFeed implements MarketDataSource {
  readonly name: string;
  private overrides: PriceOverride[] = [];
  /**
   * The source with every ERCOT settlement point priced (the scenarios model three hubs, the real file one node): a
   * site registered at any valid node through the API gets its region's hub price (pricingEveryMarketNode).
   */
  private readonly priced: MarketDataSource;

  constructor(
    inner: MarketDataSource,
    /** Simulated time range the source covers: [startMs, endMs). */
    readonly startMs: number,
    readonly endMs: number,
    /** What the feed is, for the banner: `scenario baseline-week` or the file names. */
    readonly description: string,
  ) {
    this.name = inner.name;
    this.priced = pricingEveryMarketNode(inner);
  }

  /** What the source has published by `atMs` for a node, clamped to the feed's range as snapshots are. */
  async publishedAt(atMs: number, node: string): Promise<readonly MarketHistoryPoint[]> {
    return (await this.priced.publishedAt?.(this.clamp(atMs), node)) ?? [];
  }

  /** The DAM capacity prices the source has posted by `atMs`, clamped likewise. */
  async ancillaryPricesAt(atMs: number): Promise<readonly MarketHistoryPoint[]> {
    return (await this.priced.ancillaryPricesAt?.(this.clamp(atMs))) ?? [];
  }

  /** The system load the source has published by `atMs`, clamped likewise. */
  async systemLoadAt(atMs: number): Promise<readonly MarketHistoryPoint[]> {
    return (await this.priced.systemLoadAt?.(this.clamp(atMs))) ?? [];
  }

  private clamp(atMs: number): number {
    return Math.min(Math.max(atMs, this.startMs), this.endMs - 1);
  }

  /** The snapshot in force at `atMs`; past the end the last interval holds (`ended` says so). */
  async snapshotAt(atMs: number): Promise<MarketSnapshot> {
    const snapshot = await this.priced.snapshotAt(this.clamp(atMs));
    const active = this.overrides.filter((o) => o.fromMs <= atMs && atMs < o.untilMs);
    if (active.length === 0) return snapshot;
    return {
      ...snapshot,
      prices: snapshot.prices.map((price) => {
        const override = active.findLast((o) => !o.nodes || o.nodes.includes(price.node));
        return override ? { ...price, realTimeUsdPerMwh: override.priceUsdPerMwh } : price;
      }),
    };
  }

  ended(atMs: number): boolean {
    return atMs >= this.endMs;
  }

  addOverride(override: PriceOverride): void {
    this.overrides = [...this.overrides, override];
  }

  /** Overrides still in force or to come at `atMs`. */
  activeOverrides(atMs: number): readonly PriceOverride[] {
    this.overrides = this.overrides.filter((o) => o.untilMs > atMs);
    return this.overrides;
  }

  /** The next instant after `atMs` at which the price may change: an interval boundary or an override's edge. */
  nextChangeAfterMs(atMs: number, stepMinutes: number): number {
    const stepMs = stepMinutes * 60_000;
    const boundary = Math.floor(atMs / stepMs) * stepMs + stepMs;
    const edges = this.activeOverrides(atMs)
      .flatMap((o) => [o.fromMs, o.untilMs])
      .filter((edge) => edge > atMs);
    return Math.min(boundary, ...edges);
  }
}

/** The market of `npm start`: the real files when `--prices`/`--hashprice` are given, else a synthetic scenario. */
export async function openMarketFeed(
  options: Pick<PlatformOptions, 'scenario' | 'prices' | 'hashprice' | 'seed'>,
  fleet: Fleet,
): Promise<MarketFeed> {
  if (options.prices && options.hashprice) return openRealFiles(options.prices, options.hashprice, fleet);
  const scenario = loadScenario(options.scenario ?? DEFAULT_SCENARIO);
  const startMs = Date.parse(scenario.start);
  const source = new SyntheticMarketSource({ calibration: loadCalibration(), scenario, fleet, seed: options.seed });
  const series = shippedSeries(startMs);
  return new MarketFeed(
    withPublishedSeries(source, series.source),
    startMs,
    startMs + scenario.days * 86_400_000,
    `scenario ${scenario.name}; ${series.description}`,
  );
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/**
 * The shipped DAM capacity prices and ERCOT system load, lined up with a replay starting at `startMs`: each file
 * replayed as recorded when it covers the start, else moved by whole 52-week years (weekdays stay weekdays; calendar
 * dates move a day or two a year) to the latest position that covers the start with the lead the 4CP outlook reads
 * (38 days of load) before it; a file no whole-year move can line up is left out, and the description says so.
 */
export function shippedSeries(startMs: number): {
  readonly source: CsvPublishedSeries;
  readonly description: string;
} {
  const prices = readAncillaryPriceFile(ERCOT_AS_PRICE_FILE);
  const load = readSystemLoadFile(SYSTEM_LOAD_FILE);
  const asShiftMs = weekAlignedShiftMs(
    { fromMs: prices.hourStartsMs[0]!, toMs: prices.hourStartsMs.at(-1)! + 3_600_000 },
    startMs,
    0,
  );
  const loadShiftMs = weekAlignedShiftMs(
    { fromMs: load.startMs, toMs: load.startMs + load.values.length * 3_600_000 },
    startMs,
    SYSTEM_LOAD_HISTORY_DAYS * DAY_MS,
  );
  const said = (what: string, shiftMs: number | undefined) =>
    shiftMs === undefined
      ? `no ${what} (the shipped file cannot cover the start)`
      : `${what} ${shiftMs === 0 ? 'as recorded' : `moved ${shiftMs / WEEK_MS} weeks later`}`;
  const readText = async (file: string) => readFileSync(file, 'utf8');
  return {
    source: new CsvPublishedSeries({
      reader: { readText },
      ...(asShiftMs === undefined ? {} : { ancillaryPrices: { key: ERCOT_AS_PRICE_FILE, shiftMs: asShiftMs } }),
      ...(loadShiftMs === undefined ? {} : { systemLoad: { key: SYSTEM_LOAD_FILE, shiftMs: loadShiftMs } }),
      stepMinutes: REAL_FILES_STEP_MINUTES,
    }),
    description: `${said('DAM AS prices', asShiftMs)}, ${said('ERCOT system load', loadShiftMs)}`,
  };
}

/** The shared price file is one settlement point (HB_SOUTH): every site's node replays it. */
async function openRealFiles(pricesFile: string, hashpriceFile: string, fleet: Fleet): Promise<MarketFeed> {
  const series = readPriceFile(pricesFile, REAL_FILES_STEP_MINUTES).rtUsdPerMwh;
  const nodes = [...new Set(fleet.sites.map((s) => s.marketNode))];
  const source = new CsvMarketSource({
    reader: { readText: async (file) => readFileSync(file, 'utf8') },
    priceKeys: Object.fromEntries(nodes.map((node) => [node, pricesFile])),
    hashpriceKey: hashpriceFile,
    gpuSpotUsdPerGpuHour: REAL_FILES_GPU_SPOT_USD_PER_GPU_HOUR,
    priceColumns: ERCOT_SHARED_PRICE_COLUMNS,
    stepMinutes: REAL_FILES_STEP_MINUTES,
  });
  const endMs = series.startMs + series.values.length * series.stepMinutes * 60_000;
  const shipped = shippedSeries(series.startMs);
  return new MarketFeed(
    withPublishedSeries(source, shipped.source),
    series.startMs,
    endMs,
    `real files ${pricesFile} + ${hashpriceFile}; ${shipped.description}`,
  );
}
