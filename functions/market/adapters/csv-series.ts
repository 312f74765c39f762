import { ERCOT_FOUR_CP } from '../../../core/forecast/four-cp.js';
import {
  type HourlyAncillaryPrices,
  hourlyAncillaryPricesIn,
  parseAncillaryPriceCsv,
} from '../../../core/market-data/ancillary-prices.js';
import { ancillaryHistoryPoints, type MarketHistoryPoint } from '../../../core/market-data/history.js';
import type { RegularSeries } from '../../../core/market-data/series.js';
import { parseSystemLoadCsv, publishedLoadPoints } from '../../../core/market-data/system-load.js';
import { publishedAtMs } from '../../../core/market-ingest/ercot-api.js';
import { SYSTEM_LOAD_HISTORY_DAYS } from '../../optimizer/four-cp-outlook.js';
import type { MarketDataSource } from '../ports.js';
import { HandedOver } from './handed-over.js';

/** Reads an object's text: S3 GetObject in AWS, a file locally. */
export interface ObjectReader {
  readText(key: string): Promise<string>;
}

/** A recorded file, optionally replayed `shiftMs` later than recorded (`npm start` lines a file up with its clock). */
export interface SeriesFile {
  readonly key: string;
  /** @default 0 */
  readonly shiftMs?: number;
}

export interface CsvSeriesOptions {
  readonly reader: ObjectReader;
  /** Hourly DAM capacity prices in the shipped file's columns (core/market-data/ancillary-prices.ts). @default none */
  readonly ancillaryPrices?: SeriesFile;
  /** Hourly ERCOT system load in the shipped native-load columns (core/market-data/system-load.ts). @default none */
  readonly systemLoad?: SeriesFile;
  /** The market history's grid. @default 15 */
  readonly stepMinutes?: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Hours of system load looked at by each run after the first: a run or two missed still leaves no gap. */
export const SYSTEM_LOAD_REPUBLISH_HOURS = 3;

/**
 * The market-history series a CSV replay publishes beside its prices, each as it would have become known: DAM capacity
 * prices at the DAM's posting (13:30 Central the day before their operating day, as NP4-188-CD), hourly system load
 * under the 4CP forecaster's rule (an hour after the hour). Each file is parsed by the backtest's own parser, so a bad
 * row stops the load with its line and column, and nothing of that file is stored.
 */
export class CsvPublishedSeries implements Pick<MarketDataSource, 'ancillaryPricesAt' | 'systemLoadAt'> {
  private readonly handedOver = new HandedOver();
  private loadHandedOnce = false;
  private loaded: Promise<{ ancillary?: HourlyAncillaryPrices; systemLoad?: RegularSeries }> | undefined;

  constructor(private readonly options: CsvSeriesOptions) {}

  /** Capacity prices posted by `atMs` for the intervals from the one under way, not yet handed over. */
  async ancillaryPricesAt(atMs: number): Promise<readonly MarketHistoryPoint[]> {
    const { ancillary } = await this.load();
    if (!ancillary) return [];
    const stepMinutes = this.options.stepMinutes ?? 15;
    const fromMs = Math.floor(atMs / (stepMinutes * 60_000)) * stepMinutes * 60_000;
    const posted = hourlyAncillaryPricesIn(ancillary, fromMs - HOUR_MS + 1, Number.POSITIVE_INFINITY).filter(
      (price) => publishedAtMs({ intervalStartMs: price.hourStartMs, intervalMinutes: 60 }, 'day-ahead') <= atMs,
    );
    const points = ancillaryHistoryPoints(posted, stepMinutes).filter((p) => p.intervalStartMs >= fromMs);
    return this.handedOver.take('ancillary', points);
  }

  /**
   * System load published by `atMs` and not yet handed over: the first run reaches back the days the 4CP outlook
   * reads, later runs SYSTEM_LOAD_REPUBLISH_HOURS.
   */
  async systemLoadAt(atMs: number): Promise<readonly MarketHistoryPoint[]> {
    const { systemLoad } = await this.load();
    if (!systemLoad) return [];
    const hours = this.loadHandedOnce ? SYSTEM_LOAD_REPUBLISH_HOURS : SYSTEM_LOAD_HISTORY_DAYS * 24;
    this.loadHandedOnce = true;
    const fromMs = atMs - hours * HOUR_MS;
    return this.handedOver.take(
      'system-load',
      publishedLoadPoints(systemLoad, ERCOT_FOUR_CP.loadPublicationDelayMinutes, fromMs, atMs),
    );
  }

  private load() {
    this.loaded ??= (async () => {
      const { reader, ancillaryPrices, systemLoad } = this.options;
      const text = async (file: SeriesFile) => reader.readText(file.key);
      const ancillary = ancillaryPrices
        ? shiftAncillary(parseAncillaryPriceCsv(await text(ancillaryPrices), ancillaryPrices.key), ancillaryPrices)
        : undefined;
      const load = systemLoad ? parseSystemLoadCsv(await text(systemLoad), systemLoad.key) : undefined;
      return {
        ...(ancillary ? { ancillary } : {}),
        ...(load && systemLoad ? { systemLoad: { ...load, startMs: load.startMs + (systemLoad.shiftMs ?? 0) } } : {}),
      };
    })();
    return this.loaded;
  }
}

function shiftAncillary(prices: HourlyAncillaryPrices, file: SeriesFile): HourlyAncillaryPrices {
  const shiftMs = file.shiftMs ?? 0;
  return shiftMs === 0 ? prices : { ...prices, hourStartsMs: prices.hourStartsMs.map((ms) => ms + shiftMs) };
}

/**
 * A source whose snapshots come from `source` and whose published series come from `series` (`npm start`: the
 * synthetic or replayed prices with the shipped capacity-price and system-load files).
 */
export function withPublishedSeries(
  source: MarketDataSource,
  series: Pick<MarketDataSource, 'ancillaryPricesAt' | 'systemLoadAt'>,
): MarketDataSource {
  return {
    name: source.name,
    snapshotAt: (atMs) => source.snapshotAt(atMs),
    ...(source.publishedAt ? { publishedAt: source.publishedAt.bind(source) } : {}),
    ...(series.ancillaryPricesAt ? { ancillaryPricesAt: series.ancillaryPricesAt.bind(series) } : {}),
    ...(series.systemLoadAt ? { systemLoadAt: series.systemLoadAt.bind(series) } : {}),
  };
}

/**
 * The shift, in whole 52-week years (so weekdays stay weekdays), that makes a recorded range [fromMs, toMs) cover
 * `targetMs` with `leadMs` of it before; 0 when it already does, undefined when no whole-year shift can.
 */
export function weekAlignedShiftMs(
  range: { readonly fromMs: number; readonly toMs: number },
  targetMs: number,
  leadMs: number,
): number | undefined {
  if (range.fromMs <= targetMs - leadMs && targetMs < range.toMs) return 0;
  const yearMs = 364 * DAY_MS;
  // The latest shift that still leaves `leadMs` of the record before the target.
  const shift = Math.floor((targetMs - leadMs - range.fromMs) / yearMs) * yearMs;
  return targetMs < range.toMs + shift ? shift : undefined;
}
