import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ERCOT_SHARED_PRICE_COLUMNS,
  type HashpriceDay,
  type PriceCsvOptions,
  type PriceSeries,
  parseHashpriceCsv,
  parsePriceCsv,
} from '../../core/market-data/series.js';

/**
 * The shared real market data: ../shared/data relative to the project root (the working directory of npm scripts and
 * jest), or HCP_SHARED_DATA_DIR where a checkout lives elsewhere (a CI clone in /tmp, say).
 */
export const SHARED_DATA_DIR = path.resolve(
  process.env.HCP_SHARED_DATA_DIR ?? path.join(process.cwd(), '..', 'shared', 'data'),
);
export const SHARED_PRICE_FILE = path.join(SHARED_DATA_DIR, 'ercot_hb_south_rt_15min_2024-11_2025-03.csv');
export const SHARED_HASHPRICE_FILE = path.join(SHARED_DATA_DIR, 'btc_hashprice_daily_2020-04_2025-04.csv');

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
