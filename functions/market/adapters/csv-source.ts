import { ERCOT_FOUR_CP } from '../../../core/forecast/four-cp.js';
import {
  type HashpriceDay,
  type PriceCsvOptions,
  parseHashpriceCsv,
  parsePriceCsv,
  type RegularSeries,
} from '../../../core/market-data/series.js';
import { parseSystemLoadCsv, publishedLoadPoints } from '../../../core/market-data/system-load.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import type { MarketDataSource } from '../ports.js';

/** Reads an object's text: S3 GetObject in AWS, a file locally. */
export interface ObjectReader {
  readText(key: string): Promise<string>;
}

export interface CsvSourceOptions {
  readonly reader: ObjectReader;
  /** One price CSV per settlement point, in the shared ERCOT layout (core/market-data/series.ts). */
  readonly priceKeys: Readonly<Record<string, string>>;
  readonly priceColumns: PriceCsvOptions;
  readonly hashpriceKey: string;
  /** The CSVs carry no GPU market; a constant opportunity value until one does. */
  readonly gpuSpotUsdPerGpuHour: number;
  /** @default 15 */
  readonly stepMinutes?: number;
  /** An hourly ERCOT system-load CSV (core/market-data/system-load.ts layout), replayed as published. @default none */
  readonly systemLoadKey?: string;
}

const valueAt = (series: RegularSeries, atMs: number): number | undefined => {
  const index = Math.floor((atMs - series.startMs) / (series.stepMinutes * 60_000));
  return index >= 0 ? series.values[index] : undefined;
};

/** Hours of system load re-sent by each run: a run or two missed still leaves no gap. */
export const SYSTEM_LOAD_REPUBLISH_HOURS = 3;

/** Historical market data from CSV objects: replays a recorded period through the same ingestion path. */
export class CsvMarketSource implements MarketDataSource {
  readonly name = 'csv';
  private loaded:
    | Promise<{ prices: Map<string, RegularSeries>; hashprice: HashpriceDay[]; systemLoad?: RegularSeries }>
    | undefined;

  constructor(private readonly options: CsvSourceOptions) {}

  async snapshotAt(atMs: number): Promise<MarketSnapshot> {
    const { prices, hashprice } = await this.load();
    const stepMinutes = this.options.stepMinutes ?? 15;
    const intervalStartMs = Math.floor(atMs / (stepMinutes * 60_000)) * stepMinutes * 60_000;
    const nodePrices = [...prices].map(([node, series]) => {
      const price = valueAt(series, intervalStartMs);
      if (price === undefined) throw new RangeError(`${node}: no price at ${new Date(intervalStartMs).toISOString()}`);
      return { node, realTimeUsdPerMwh: price };
    });
    const day = [...hashprice].reverse().find((d) => d.dayStartMs <= intervalStartMs);
    if (!day) throw new RangeError(`no hashprice on or before ${new Date(intervalStartMs).toISOString()}`);
    return {
      at: new Date(intervalStartMs).toISOString(),
      intervalMinutes: stepMinutes,
      prices: nodePrices,
      hashprice: {
        hashpriceUsdPerThDay: day.hashpriceUsdPerThDay,
        btcPriceUsd: day.btcPriceUsd,
        difficulty: day.difficulty,
        subsidyBtc: day.subsidyBtc,
        feesBtcPerDay: day.feesBtcPerDay ?? 0,
      },
      gpuSpotUsdPerGpuHour: this.options.gpuSpotUsdPerGpuHour,
      gridEvents: [],
    };
  }

  async systemLoadAt(atMs: number) {
    const { systemLoad } = await this.load();
    if (!systemLoad) return [];
    return publishedLoadPoints(
      systemLoad,
      ERCOT_FOUR_CP.loadPublicationDelayMinutes,
      atMs - SYSTEM_LOAD_REPUBLISH_HOURS * 3_600_000,
      atMs,
    );
  }

  private load() {
    this.loaded ??= (async () => {
      const { reader, priceKeys, priceColumns, hashpriceKey } = this.options;
      const stepMinutes = this.options.stepMinutes ?? 15;
      const prices = new Map<string, RegularSeries>();
      for (const [node, key] of Object.entries(priceKeys)) {
        prices.set(node, parsePriceCsv(await reader.readText(key), key, priceColumns, stepMinutes).rtUsdPerMwh);
      }
      const { systemLoadKey } = this.options;
      return {
        prices,
        hashprice: parseHashpriceCsv(await reader.readText(hashpriceKey), hashpriceKey),
        ...(systemLoadKey
          ? { systemLoad: parseSystemLoadCsv(await reader.readText(systemLoadKey), systemLoadKey) }
          : {}),
      };
    })();
    return this.loaded;
  }
}
