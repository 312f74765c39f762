import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RejectedRow } from '../../../core/market-ingest/ercot-api.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import type { MarketMetrics } from '../ingest.js';
import type { MarketDataQuality } from './ercot-source.js';

/** Prices per node, hashprice and GPU spot value as EMF metrics, for the dashboard's market row. */
export const MARKET_METRIC_NAMES = {
  price: 'PriceUsdPerMwh',
  hashprice: 'HashpriceUsdPerThDay',
  gpuSpot: 'GpuSpotUsdPerGpuHour',
  /** Watched by the staleness alarm (stacks/constructs/market-ingestion.ts). */
  dataAge: 'MarketDataAgeSeconds',
  rowsRejected: 'MarketRowsRejected',
  intervalsMissing: 'MarketIntervalsMissing',
} as const;

export class PowertoolsMarketMetrics implements MarketMetrics, MarketDataQuality {
  constructor(
    private readonly metrics: Metrics,
    private readonly logger?: Logger,
  ) {}

  snapshotIngested(snapshot: MarketSnapshot): void {
    this.metrics.addMetric(MARKET_METRIC_NAMES.hashprice, MetricUnit.NoUnit, snapshot.hashprice.hashpriceUsdPerThDay);
    this.metrics.addMetric(MARKET_METRIC_NAMES.gpuSpot, MetricUnit.NoUnit, snapshot.gpuSpotUsdPerGpuHour);
    for (const price of snapshot.prices) {
      const single = this.metrics.singleMetric();
      single.addDimension('node', price.node);
      single.addMetric(MARKET_METRIC_NAMES.price, MetricUnit.NoUnit, price.realTimeUsdPerMwh);
    }
  }

  marketDataAge(ageSeconds: number): void {
    this.metrics.addMetric(MARKET_METRIC_NAMES.dataAge, MetricUnit.Seconds, ageSeconds);
  }

  rowsRejected(rows: readonly RejectedRow[]): void {
    if (rows.length === 0) return;
    this.metrics.addMetric(MARKET_METRIC_NAMES.rowsRejected, MetricUnit.Count, rows.length);
    this.logger?.warn('market rows rejected', { rows: rows.slice(0, 20) });
  }

  intervalsMissing(intervals: ReadonlyArray<{ intervalStartMs: number; key: string }>): void {
    this.metrics.addMetric(MARKET_METRIC_NAMES.intervalsMissing, MetricUnit.Count, intervals.length);
    if (intervals.length > 0) {
      this.logger?.warn('market intervals missing', {
        intervals: intervals.slice(0, 20).map((i) => ({ at: new Date(i.intervalStartMs).toISOString(), key: i.key })),
      });
    }
  }
}
