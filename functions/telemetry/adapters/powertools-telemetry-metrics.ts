import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RevenueUsdPerHour, SiteTelemetrySummary } from '../../../core/telemetry/site-summary.js';
import type { TelemetryMetrics } from '../ports.js';

/** Per-site EMF metrics (dimension siteId) behind the dashboard's power split, revenue and missing-telemetry alarm. */
export const TELEMETRY_METRIC_NAMES = {
  sitePower: 'SitePowerKw',
  asicPower: 'AsicPowerKw',
  gpuPower: 'GpuPowerKw',
  curtailed: 'CurtailedDevices',
  curtailedPower: 'CurtailedPowerKw',
  faulted: 'FaultedDevices',
  miningRevenue: 'MiningRevenueUsdPerHour',
  inferenceRevenue: 'InferenceRevenueUsdPerHour',
  rejected: 'TelemetryBatchRejected',
  samplesRejected: 'TelemetrySamplesRejected',
  unknownSite: 'TelemetryUnknownSite',
} as const;

export class PowertoolsTelemetryMetrics implements TelemetryMetrics {
  constructor(private readonly metrics: Metrics) {}

  siteSummary(summary: SiteTelemetrySummary, revenue: RevenueUsdPerHour | undefined): void {
    const single = this.metrics.singleMetric();
    single.addDimension('siteId', summary.siteId);
    const n = TELEMETRY_METRIC_NAMES;
    single.addMetric(n.sitePower, MetricUnit.NoUnit, summary.sitePowerKw);
    single.addMetric(n.asicPower, MetricUnit.NoUnit, summary.asicPowerKw);
    single.addMetric(n.gpuPower, MetricUnit.NoUnit, summary.gpuPowerKw);
    single.addMetric(n.curtailed, MetricUnit.Count, summary.curtailedDevices);
    single.addMetric(n.curtailedPower, MetricUnit.NoUnit, summary.curtailedPowerKw);
    single.addMetric(n.faulted, MetricUnit.Count, summary.faultedDevices);
    if (revenue) {
      single.addMetric(n.miningRevenue, MetricUnit.NoUnit, revenue.miningUsdPerHour);
      single.addMetric(n.inferenceRevenue, MetricUnit.NoUnit, revenue.inferenceUsdPerHour);
    }
  }

  batchRejected(): void {
    this.metrics.addMetric(TELEMETRY_METRIC_NAMES.rejected, MetricUnit.Count, 1);
  }

  unknownSite(): void {
    this.metrics.addMetric(TELEMETRY_METRIC_NAMES.unknownSite, MetricUnit.Count, 1);
  }

  samplesRejected(count: number): void {
    this.metrics.addMetric(TELEMETRY_METRIC_NAMES.samplesRejected, MetricUnit.Count, count);
  }
}
