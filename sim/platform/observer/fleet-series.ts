import type { MarketSnapshot } from '../../../core/model/market.js';
import { RollingSeries } from '../rolling-series.js';
import { SITE_KEYS, type SiteKey, type SiteView } from './site-view.js';

const MARKET_KEYS = ['hashpriceUsdPerThDay', 'gpuSpotUsdPerGpuHour', 'maxPriceUsdPerMwh'] as const;

/** The fleet's chart series (the sites summed) and the market's (hashprice, GPU spot rate, highest node price). */
export class FleetSeries {
  readonly fleet: RollingSeries<SiteKey>;
  readonly market: RollingSeries<(typeof MARKET_KEYS)[number]>;

  constructor(maxPoints: number) {
    this.fleet = new RollingSeries(SITE_KEYS, maxPoints);
    this.market = new RollingSeries(MARKET_KEYS, maxPoints);
  }

  /** The fleet point at `atMs`: each site's latest values summed (price: the highest of the sites'). */
  pushSites(atMs: number, sites: Iterable<SiteView>): void {
    const views = [...sites].filter((v) => v.series.length > 0);
    const sum = (key: SiteKey) => views.reduce((total, v) => total + (v.series.last(key) ?? 0), 0);
    const prices = views.map((v) => v.priceUsdPerMwh).filter((p): p is number => p !== undefined);
    const utilization = views.map((v) => v.power?.gpuUtilizationPct).filter((u): u is number => u != null);
    this.fleet.push(atMs, {
      asicKw: sum('asicKw'),
      gpuKw: sum('gpuKw'),
      curtailedKw: sum('curtailedKw'),
      capKw: sum('capKw'),
      planKw: views.some((v) => v.series.last('planKw') !== null) ? sum('planKw') : null,
      priceUsdPerMwh: prices.length ? Math.max(...prices) : null,
      miningUsd: sum('miningUsd'),
      inferenceUsd: sum('inferenceUsd'),
      energyCostUsd: sum('energyCostUsd'),
      gpuUtilizationPct: utilization.length ? utilization.reduce((a, b) => a + b, 0) / utilization.length : null,
    });
  }

  pushMarket(atMs: number, snapshot: MarketSnapshot): void {
    this.market.push(atMs, {
      hashpriceUsdPerThDay: snapshot.hashprice.hashpriceUsdPerThDay,
      gpuSpotUsdPerGpuHour: snapshot.gpuSpotUsdPerGpuHour,
      maxPriceUsdPerMwh: Math.max(...snapshot.prices.map((p) => p.realTimeUsdPerMwh)),
    });
  }
}
