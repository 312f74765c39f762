import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ERCOT_HUBS } from '../core/fleet/market-nodes.js';
import { MARKET_METRIC_NAMES } from '../functions/market/adapters/powertools-market-metrics.js';
import { TELEMETRY_METRIC_NAMES } from '../functions/telemetry/adapters/powertools-telemetry-metrics.js';
import { ApiCanary } from './constructs/api-canary.js';
import { HCP_NAMESPACE, hcpMetrics, OpsDashboard, SERVICES } from './constructs/ops-dashboard.js';
import type { PagingMetric } from './constructs/telemetry-buckets.js';
import type { HistoryRowStream } from './constructs/telemetry-sink.js';

export interface MonitoringStackProps extends StackProps {
  readonly api: apigw.RestApi;
  readonly functions: readonly IFunction[];
  readonly stateMachines: readonly IStateMachine[];
  /** The dispatch flow: no success for three intervals is the "dispatch stalled" alarm. @default none */
  readonly optimizeFlow?: IStateMachine;
  /** Every dead-letter queue of the platform's async paths. @default none */
  readonly deadLetterQueues?: readonly sqs.IQueue[];
  /** Metrics whose any datapoint pages (e.g. writes the telemetry sink refused). @default none */
  readonly pagingMetrics?: readonly PagingMetric[];
  /** Sites whose telemetry must keep arriving. @default none */
  readonly siteIds?: readonly string[];
  /** Settlement points charted on the dashboard. @default the ERCOT hubs */
  readonly marketNodes?: readonly string[];
  /** Where the API canary records each probe (the telemetry history's `fleet_events`). @default not recorded */
  readonly apiProbes?: HistoryRowStream;
  /** On-call address. @default no subscription */
  readonly alarmEmail?: string;
}

/**
 * The operations dashboard and the alarms that page, into one encrypted SNS topic: API 5xx and latency, Lambda errors,
 * failed and stuck flows, failed switches, dead letters, and sites whose telemetry stopped.
 */
export class MonitoringStack extends Stack {
  readonly alarmTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const key = new kms.Key(this, 'AlarmKey', { enableKeyRotation: true, description: 'HCP alarm notifications' });
    this.alarmTopic = new sns.Topic(this, 'Alarms', { masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const notify = new actions.SnsAction(this.alarmTopic);
    const alarm = (
      name: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      options: Partial<cloudwatch.AlarmProps> = {},
    ) => {
      const created = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        ...options,
      });
      created.addAlarmAction(notify);
      this.alarms.push(created);
      return created;
    };

    const period = Duration.minutes(5);
    alarm('Api5xx', props.api.metricServerError({ period, statistic: 'Sum' }), 1);
    alarm('ApiLatencyP99', props.api.metricLatency({ period, statistic: 'p99' }), 2000);
    // The canary's view of the API's health (the KPI's API uptime): any failed call in a period pages.
    const canary = new ApiCanary(this, 'ApiCanary', {
      api: props.api,
      ...(props.apiProbes ? { probes: props.apiProbes } : {}),
    });
    alarm('ApiCanaryFailed', canary.canary.metricSuccessPercent({ period, statistic: 'Minimum' }), 100, {
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    });
    props.functions.forEach((fn, i) => {
      alarm(`LambdaErrors${i}`, fn.metricErrors({ period, statistic: 'Sum' }), 1);
    });
    props.stateMachines.forEach((machine, i) => {
      alarm(`FlowFailed${i}`, machine.metricFailed({ period, statistic: 'Sum' }), 1);
      alarm(`FlowTimedOut${i}`, machine.metricTimedOut({ period, statistic: 'Sum' }), 1, {
        alarmDescription: 'A flow ran past its own timeout (stuck): a switch leaves its site lock to the TTL.',
      });
    });
    alarm('SwitchFailed', hcpMetrics.switchFailed(), 1, {
      alarmDescription: 'A site switch failed and the site was put in safe mode (SwitchFlow compensation ran).',
    });
    if (props.optimizeFlow) {
      alarm('DispatchStalled', props.optimizeFlow.metricSucceeded({ period, statistic: 'Sum' }), 1, {
        alarmDescription: 'No dispatch run succeeded for 15 minutes: sites hold their last plan.',
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    }
    (props.deadLetterQueues ?? []).forEach((queue, i) => {
      alarm(`DeadLetters${i}`, queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }), 1, {
        alarmDescription: 'Messages an async path could not deliver are waiting in a dead-letter queue.',
      });
    });
    for (const paging of props.pagingMetrics ?? []) {
      alarm(paging.id, paging.metric, 1, { alarmDescription: paging.description });
    }
    alarm('MarketDataStale', hcpMetrics.market(MARKET_METRIC_NAMES.dataAge).with({ statistic: 'Maximum' }), 2700, {
      alarmDescription:
        'Market prices older than 45 minutes for 15 minutes (or no ingestion at all): dispatch plans on the last prices and forecasts; past an hour the price relay stops and the gateways fall back to their safe mode.',
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    // Any site, registered or added later through the API: a Metrics Insights query over the siteId dimension, so a
    // new site is watched without a deployment. One series (the worst site's), which is what an alarm can watch.
    alarm('SiteDevicesFaulted', sitesQuery('MAX', TELEMETRY_METRIC_NAMES.faulted), 1, {
      alarmDescription:
        'Some site reports faulted devices (any site in the registry; the dashboard and GET /v1/sites name which).',
      evaluationPeriods: 3,
    });
    // Silence cannot be a query alarm: Metrics Insights returns only series with data in the period, so a site whose
    // gateway stopped drops out of the result instead of breaching. Telemetry-missing alarms stay per deployed site.
    for (const siteId of props.siteIds ?? []) {
      alarm(`TelemetryMissing-${siteId}`, hcpMetrics.site(TELEMETRY_METRIC_NAMES.sitePower, siteId, 'SampleCount'), 1, {
        alarmDescription: `No telemetry from ${siteId} for 15 minutes: the gateway or its uplink is down.`,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    }

    this.dashboard = new OpsDashboard(this, 'Operations', {
      siteIds: props.siteIds ?? [],
      marketNodes: props.marketNodes ?? ERCOT_HUBS,
      api: props.api,
      functions: props.functions,
      stateMachines: props.stateMachines,
      deadLetterQueues: props.deadLetterQueues ?? [],
      alarms: this.alarms,
    }).dashboard;
  }
}

/** `stat(metric)` over every site's telemetry series, as one Metrics Insights query (no per-site metric objects). */
function sitesQuery(stat: 'MAX' | 'MIN', metricName: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SELECT ${stat}(${metricName}) FROM SCHEMA("${HCP_NAMESPACE}", service, siteId) WHERE service = '${SERVICES.telemetry}'`,
    period: Duration.minutes(5),
    label: `${metricName} (${stat.toLowerCase()} over sites)`,
  });
}
