import type { MarketDataSource } from '../../functions/market/ports.js';

/** A source with fixed hashprice and GPU value, for the non-price fields of a source that publishes prices only. */
export const fixedNonPriceSource: MarketDataSource = {
  name: 'fixed',
  snapshotAt: async (atMs) => ({
    at: new Date(atMs).toISOString(),
    intervalMinutes: 15,
    prices: [{ node: 'HB_WEST', realTimeUsdPerMwh: 0 }],
    hashprice: {
      hashpriceUsdPerThDay: 0.05,
      btcPriceUsd: 95_000,
      difficulty: 1.1e14,
      subsidyBtc: 3.125,
      feesBtcPerDay: 18,
    },
    gpuSpotUsdPerGpuHour: 2.1,
    gridEvents: [],
  }),
};
