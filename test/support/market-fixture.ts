import type { MarketSnapshot } from '../../core/model/market.js';
import { validMarketSnapshot } from './fixtures.js';

/** The shared valid snapshot at `atMs`, 15-minute intervals, these node prices, hashprice 0.05, no grid events. */
export function marketSnapshotAt(atMs: number, pricesUsdPerMwh: Record<string, number>): MarketSnapshot {
  const base = validMarketSnapshot();
  return {
    ...base,
    at: new Date(atMs).toISOString(),
    intervalMinutes: 15,
    prices: Object.entries(pricesUsdPerMwh).map(([node, realTimeUsdPerMwh]) => ({ node, realTimeUsdPerMwh })),
    hashprice: { ...base.hashprice, hashpriceUsdPerThDay: 0.05 },
    gpuSpotUsdPerGpuHour: 2,
    gridEvents: [],
  };
}
