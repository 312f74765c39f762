import {
  type HashpriceDay,
  type PriceCsvOptions,
  parseHashpriceCsv,
  parsePriceCsv,
  type RegularSeries,
} from '../../../core/market-data/series.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import type { MarketDataSource } from '../ports.js';
import { CsvPublishedSeries, type ObjectReader } from './csv-series.js';

export type { ObjectReader } from './csv-series.js';

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
  /**
   * Hourly DAM capacity prices (sim/data/ercot_dam_as_mcpc_hourly_2024-11_2025-04.csv layout), replayed as the DAM
   * posted them. @default none
   */
  readonly ancillaryPricesKey?: string;
}

const valueAt = (series: RegularSeries, atMs: number): number | undefined => {
  const index = Math.floor((atMs - series.startMs) / (series.stepMinutes * 60_000));
  return index >= 0 ? series.values[index] : undefined;
};

/** Historical market data from CSV objects: replays a recorded period through the same ingestion path. */
export class CsvMarketSource implements MarketDataSource {
  readonly name = 'csv';
  private loaded: Promise<{ prices: Map<string, RegularSeries>; hashprice: HashpriceDay[] }> | undefined;
  private readonly series: CsvPublishedSeries;

  constructor(private readonly options: CsvSourceOptions) {
    const { reader, systemLoadKey, ancillaryPricesKey, stepMinutes } = options;
    this.series = new CsvPublishedSeries({
      reader,
      ...(systemLoadKey ? { systemLoad: { key: systemLoadKey } } : {}),
      ...(ancillaryPricesKey ? { ancillaryPrices: { key: ancillaryPricesKey } } : {}),
      ...(stepMinutes ? { stepMinutes } : {}),
    });
  }

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

  ancillaryPricesAt(atMs: number) {
    return this.series.ancillaryPricesAt(atMs);
  }

  systemLoadAt(atMs: number) {
    return this.series.systemLoadAt(atMs);
  }

  private load() {
    this.loaded ??= (async () => {
      const { reader, priceKeys, priceColumns, hashpriceKey } = this.options;
      const stepMinutes = this.options.stepMinutes ?? 15;
      const prices = new Map<string, RegularSeries>();
      for (const [node, key] of Object.entries(priceKeys)) {
        prices.set(node, parsePriceCsv(await reader.readText(key), key, priceColumns, stepMinutes).rtUsdPerMwh);
      }
      return { prices, hashprice: parseHashpriceCsv(await reader.readText(hashpriceKey), hashpriceKey) };
    })();
    return this.loaded;
  }
}
