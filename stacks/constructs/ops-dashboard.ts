import { Duration } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { MARKET_METRIC_NAMES } from '../../functions/market/adapters/powertools-market-metrics.js';
import { PLAN_METRIC_NAMES } from '../../functions/optimizer/adapters/powertools-plan-metrics.js';
import { ACK_HANDLINGS } from '../../functions/switching/acks.js';
import { SWITCH_METRIC_NAMES } from '../../functions/switching/adapters/powertools-switch-metrics.js';
import { TELEMETRY_METRIC_NAMES } from '../../functions/telemetry/adapters/powertools-telemetry-metrics.js';

/** Namespace and service dimensions of the EMF metrics the Lambdas publish (Powertools adds `service` itself). */
export const HCP_NAMESPACE = 'HCP';
export const SERVICES = {
  switching: 'hcp-switching',
  telemetry: 'hcp-telemetry',
  market: 'hcp-market',
  optimizer: 'hcp-optimizer',
} as const;

const PERIOD = Duration.minutes(5);

/** The platform's EMF metrics, named once for the dashboard and the alarms. */
export const hcpMetrics = {
  switchSucceeded: () =>
    new cloudwatch.Metric({
      namespace: HCP_NAMESPACE,
      metricName: SWITCH_METRIC_NAMES.succeeded,
      dimensionsMap: { service: SERVICES.switching },
      statistic: 'Sum',
      period: PERIOD,
    }),
  switchFailed: () =>
    new cloudwatch.Metric({
      namespace: HCP_NAMESPACE,
      metricName: SWITCH_METRIC_NAMES.failed,
      dimensionsMap: { service: SERVICES.switching },
      statistic: 'Sum',
      period: PERIOD,
    }),
  switchLatency: (statistic: string) =>
    new cloudwatch.Metric({
      namespace: HCP_NAMESPACE,
      metricName: SWITCH_METRIC_NAMES.latency,
      dimensionsMap: { service: SERVICES.switching },
      statistic,
      period: PERIOD,
    }),
  site: (metricName: string, siteId: string, statistic = 'Average') =>
    new cloudwatch.Metric({
      namespace: HCP_NAMESPACE,
      metricName,
      dimensionsMap: { service: SERVICES.telemetry, siteId },
      statistic,
      period: PERIOD,
      label: `${siteId} ${metricName}`,
    }),
  plannedSitePower: (siteId: string) =>
    new cloudwatch.Metric({
      namespace: HCP_NAMESPACE,
      metricName: PLAN_METRIC_NAMES.plannedSitePower,
      dimensionsMap: { service: SERVICES.optimizer, siteId },
      statistic: 'Average',
      period: PERIOD,
      label: `${siteId} planned kW`,
    }),
  market: (metricName: string, dimensions: Record<string, string> = {}) =>
    new cloudwatch.Metric({
      namespace: HCP_NAMESPACE,
      metricName,
      dimensionsMap: { service: SERVICES.market, ...dimensions },
      statistic: 'Average',
      period: PERIOD,
    }),
};

export interface OpsDashboardProps {
  readonly siteIds: readonly string[];
  /** Market nodes whose prices are charted. */
  readonly marketNodes: readonly string[];
  readonly api: apigw.RestApi;
  readonly functions: readonly IFunction[];
  readonly stateMachines: readonly IStateMachine[];
  readonly deadLetterQueues: readonly sqs.IQueue[];
  readonly alarms: readonly cloudwatch.IAlarm[];
}

/**
 * The operations dashboard: the fleet (power split, plan versus actual, revenue), the market, switching, the API, and
 * the plumbing (Lambda and flow errors, dead-letter queues, alarms).
 */
export class OpsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OpsDashboardProps) {
    super(scope, id);
    const m = hcpMetrics;
    const t = TELEMETRY_METRIC_NAMES;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(6) });

    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Fleet', width: 24, height: 1 }),
      ...props.siteIds.map(
        (siteId) =>
          new cloudwatch.GraphWidget({
            title: `${siteId}: power split (kW, curtailed on top) and curtailed devices`,
            stacked: true,
            left: [m.site(t.asicPower, siteId), m.site(t.gpuPower, siteId), m.site(t.curtailedPower, siteId)],
            right: [m.site(t.curtailed, siteId)],
            width: 8,
          }),
      ),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Plan versus actual site power (kW)',
        left: props.siteIds.flatMap((siteId) => [m.plannedSitePower(siteId), m.site(t.sitePower, siteId)]),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Revenue rate by source (USD/h)',
        stacked: true,
        left: props.siteIds.flatMap((siteId) => [m.site(t.miningRevenue, siteId), m.site(t.inferenceRevenue, siteId)]),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Market and switching', width: 24, height: 1 }),
      new cloudwatch.GraphWidget({
        title: 'Real-time price (USD/MWh)',
        left: props.marketNodes.map((node) => m.market(MARKET_METRIC_NAMES.price, { node })),
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Hashprice (USD/TH/day) and GPU spot (USD/GPU-h)',
        left: [m.market(MARKET_METRIC_NAMES.hashprice)],
        right: [m.market(MARKET_METRIC_NAMES.gpuSpot)],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Switch success rate (%)',
        left: [
          new cloudwatch.MathExpression({
            expression: '100 * ok / (ok + failed)',
            usingMetrics: { ok: m.switchSucceeded(), failed: m.switchFailed() },
            label: 'success %',
            period: PERIOD,
          }),
        ],
        right: [m.switchFailed()],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Switch latency, lock to commit (ms)',
        left: [m.switchLatency('p50'), m.switchLatency('p99')],
        width: 6,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## API and plumbing', width: 24, height: 1 }),
      new cloudwatch.GraphWidget({
        title: 'API latency p50 / p99 (ms)',
        left: [
          props.api.metricLatency({ statistic: 'p50', period: PERIOD }),
          props.api.metricLatency({ statistic: 'p99', period: PERIOD }),
        ],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'API errors',
        left: [props.api.metricClientError({ period: PERIOD }), props.api.metricServerError({ period: PERIOD })],
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: props.functions.map((fn) => fn.metricErrors({ period: PERIOD, statistic: 'Sum' })),
        width: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'State machines failed / timed out',
        left: props.stateMachines.flatMap((sm) => [
          sm.metricFailed({ period: PERIOD }),
          sm.metricTimedOut({ period: PERIOD }),
        ]),
        width: 6,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Acks by handling; telemetry refused or of unknown sites',
        left: ACK_HANDLINGS.map(
          (handling) =>
            new cloudwatch.Metric({
              namespace: HCP_NAMESPACE,
              metricName: `Ack_${handling}`,
              dimensionsMap: { service: SERVICES.switching },
              statistic: 'Sum',
              period: PERIOD,
            }),
        ),
        right: [t.rejected, t.samplesRejected, t.unknownSite].map(
          (metricName) =>
            new cloudwatch.Metric({
              namespace: HCP_NAMESPACE,
              metricName,
              dimensionsMap: { service: SERVICES.telemetry },
              statistic: 'Sum',
              period: PERIOD,
            }),
        ),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Dead-letter queue depth',
        left: props.deadLetterQueues.map((q) =>
          q.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        ),
        width: 8,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 8 }),
    );
  }
}
