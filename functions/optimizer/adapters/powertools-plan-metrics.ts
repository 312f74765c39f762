import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Plan } from '../../../core/model/plan.js';
import { intervalAt } from '../../../core/switching/diff.js';

export const PLAN_METRIC_NAMES = { plannedSitePower: 'PlannedSitePowerKw', planVersion: 'PlanVersion' } as const;

/** The planned site power now, per site (dimension siteId), beside the measured SitePowerKw of telemetry. */
export class PowertoolsPlanMetrics {
  constructor(private readonly metrics: Metrics) {}

  planSaved(plan: Plan, atMs: number): void {
    this.metrics.addMetric(PLAN_METRIC_NAMES.planVersion, MetricUnit.Count, plan.version);
    for (const site of plan.sites) {
      const single = this.metrics.singleMetric();
      single.addDimension('siteId', site.siteId);
      single.addMetric(PLAN_METRIC_NAMES.plannedSitePower, MetricUnit.NoUnit, intervalAt(site, atMs).sitePowerKw);
    }
  }
}
