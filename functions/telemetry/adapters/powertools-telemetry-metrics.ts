import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { TelemetryMetrics } from '../ports.js';
import type { SiteTelemetrySummary } from '../summary.js';

/** Per-site EMF metrics (dimension siteId) behind the dashboard's power split, revenue and missing-telemetry alarm. */
export const TELEMETRY_METRIC_NAMES = {
  sitePower: 'SitePowerKw',
  asicPower: 'AsicPowerKw',
  gpuPower: 'GpuPowerKw',
  curtailed: 'CurtailedDevices',
  faulted: 'FaultedDevices',
  miningRevenue: 'MiningRevenueUsdPerHour',
  inferenceRevenue: 'InferenceRevenueUsdPerHour',
  rejected: 'TelemetryBatchRejected',
  samplesRejected: 'TelemetrySamplesRejected',
} as const;

export class PowertoolsTelemetryMetrics implements TelemetryMetrics {
  constructor(private readonly metrics: Metrics) {}

  siteSummary(summary: SiteTelemetrySummary): void {
    const single = this.metrics.singleMetric();
    single.addDimension('siteId', summary.siteId);
    const n = TELEMETRY_METRIC_NAMES;
    single.addMetric(n.sitePower, MetricUnit.NoUnit, summary.sitePowerKw);
    single.addMetric(n.asicPower, MetricUnit.NoUnit, summary.asicPowerKw);
    single.addMetric(n.gpuPower, MetricUnit.NoUnit, summary.gpuPowerKw);
    single.addMetric(n.curtailed, MetricUnit.Count, summary.curtailedDevices);
    single.addMetric(n.faulted, MetricUnit.Count, summary.faultedDevices);
    if (summary.miningRevenueUsdPerHour !== undefined) {
      single.addMetric(n.miningRevenue, MetricUnit.NoUnit, summary.miningRevenueUsdPerHour);
    }
    if (summary.inferenceRevenueUsdPerHour !== undefined) {
      single.addMetric(n.inferenceRevenue, MetricUnit.NoUnit, summary.inferenceRevenueUsdPerHour);
    }
  }

  batchRejected(): void {
    this.metrics.addMetric(TELEMETRY_METRIC_NAMES.rejected, MetricUnit.Count, 1);
  }

  samplesRejected(count: number): void {
    this.metrics.addMetric(TELEMETRY_METRIC_NAMES.samplesRejected, MetricUnit.Count, count);
  }
}
