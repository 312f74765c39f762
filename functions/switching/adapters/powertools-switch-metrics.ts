import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SwitchMetrics } from '../ports.js';

/**
 * EMF metrics of switching. The alarm and the fleet-wide success rate use the metric without dimensions (one series
 * however many sites); the per-site series carries the siteId dimension for the dashboard's breakdown.
 */
export const SWITCH_METRIC_NAMES = {
  succeeded: 'SwitchSucceeded',
  failed: 'SwitchFailed',
  latency: 'SwitchLatencyMs',
} as const;

export class PowertoolsSwitchMetrics implements SwitchMetrics {
  constructor(private readonly metrics: Metrics) {}

  switchSucceeded(siteId: string, latencyMs: number): void {
    this.metrics.addMetric(SWITCH_METRIC_NAMES.succeeded, MetricUnit.Count, 1);
    this.metrics.addMetric(SWITCH_METRIC_NAMES.latency, MetricUnit.Milliseconds, latencyMs);
    this.perSite(siteId, SWITCH_METRIC_NAMES.succeeded);
  }

  switchFailed(siteId: string, error: string): void {
    this.metrics.addMetric(SWITCH_METRIC_NAMES.failed, MetricUnit.Count, 1);
    this.metrics.addMetadata('switchError', error);
    this.perSite(siteId, SWITCH_METRIC_NAMES.failed);
  }

  private perSite(siteId: string, name: string): void {
    const single = this.metrics.singleMetric();
    single.addDimension('siteId', siteId);
    single.addMetric(name, MetricUnit.Count, 1);
  }
}
