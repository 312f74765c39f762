import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HourlyAncillaryPrices, parseAncillaryPriceCsv } from '../../core/market-data/ancillary-prices.js';
import {
  ERCOT_SHARED_PRICE_COLUMNS,
  type HashpriceDay,
  type PriceCsvOptions,
  type PriceSeries,
  parseHashpriceCsv,
  parsePriceCsv,
  type RegularSeries,
} from '../../core/market-data/series.js';
import { parseSystemLoadCsv } from '../../core/market-data/system-load.js';

/**
 * The real market data shipped with the project (this folder; provenance and terms in its README.md), found from this
 * module's own location so tools and tests read it whatever the working directory. (`import.meta.url` works under tsx
 * and, turned into `__filename` by @swc/jest, under jest.)
 */
export const MARKET_DATA_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ERCOT_PRICE_FILE = path.join(MARKET_DATA_DIR, 'ercot_hb_south_rt_15min_2024-11_2025-03.csv');
export const HASHPRICE_FILE = path.join(MARKET_DATA_DIR, 'btc_hashprice_daily_2020-04_2025-04.csv');
export const SYSTEM_LOAD_FILE = path.join(MARKET_DATA_DIR, 'ercot_native_load_hourly_2021-2022.csv');
export const ERCOT_AS_PRICE_FILE = path.join(MARKET_DATA_DIR, 'ercot_dam_as_mcpc_hourly_2024-11_2025-04.csv');

export function readPriceFile(
  file: string,
  stepMinutes = 5,
  options: PriceCsvOptions = ERCOT_SHARED_PRICE_COLUMNS,
): PriceSeries {
  return parsePriceCsv(readFileSync(file, 'utf8'), file, options, stepMinutes);
}

export function readHashpriceFile(file: string): HashpriceDay[] {
  return parseHashpriceCsv(readFileSync(file, 'utf8'), file);
}

/** An hourly system-load file in the shipped native-load layout (core/market-data/system-load.ts). */
export function readSystemLoadFile(file: string): RegularSeries {
  return parseSystemLoadCsv(readFileSync(file, 'utf8'), file);
}

/** An hourly ancillary capacity price file in the shipped file's columns (core/market-data/ancillary-prices.ts). */
export function readAncillaryPriceFile(file: string): HourlyAncillaryPrices {
  return parseAncillaryPriceCsv(readFileSync(file, 'utf8'), file);
}
