import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MarketSnapshot } from '../../../core/model/market.js';
import type { MarketMetrics } from '../ingest.js';

/** Prices per node, hashprice and GPU spot value as EMF metrics, for the dashboard's market row. */
export const MARKET_METRIC_NAMES = {
  price: 'PriceUsdPerMwh',
  hashprice: 'HashpriceUsdPerThDay',
  gpuSpot: 'GpuSpotUsdPerGpuHour',
} as const;

export class PowertoolsMarketMetrics implements MarketMetrics {
  constructor(private readonly metrics: Metrics) {}

  snapshotIngested(snapshot: MarketSnapshot): void {
    this.metrics.addMetric(MARKET_METRIC_NAMES.hashprice, MetricUnit.NoUnit, snapshot.hashprice.hashpriceUsdPerThDay);
    this.metrics.addMetric(MARKET_METRIC_NAMES.gpuSpot, MetricUnit.NoUnit, snapshot.gpuSpotUsdPerGpuHour);
    for (const price of snapshot.prices) {
      const single = this.metrics.singleMetric();
      single.addDimension('node', price.node);
      single.addMetric(MARKET_METRIC_NAMES.price, MetricUnit.NoUnit, price.realTimeUsdPerMwh);
    }
  }
}
