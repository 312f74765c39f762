import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

export interface MonitoringStackProps extends StackProps {
  readonly api: apigw.RestApi;
  readonly functions: readonly IFunction[];
  readonly stateMachines: readonly IStateMachine[];
  /** On-call address. @default no subscription */
  readonly alarmEmail?: string;
}

/** One operations dashboard and the alarms that page: API errors and latency, Lambda errors, failed flows. */
export class MonitoringStack extends Stack {
  readonly alarmTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const key = new kms.Key(this, 'AlarmKey', { enableKeyRotation: true, description: 'HCP alarm notifications' });
    this.alarmTopic = new sns.Topic(this, 'Alarms', { masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const notify = new actions.SnsAction(this.alarmTopic);
    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number) => {
      const created = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(notify);
      return created;
    };

    const period = Duration.minutes(5);
    const api5xx = props.api.metricServerError({ period, statistic: 'Sum' });
    const apiLatency = props.api.metricLatency({ period, statistic: 'p99' });
    const alarms = [alarm('Api5xx', api5xx, 1), alarm('ApiLatencyP99', apiLatency, 2000)];
    props.functions.forEach((fn, i) => {
      alarms.push(alarm(`LambdaErrors${i}`, fn.metricErrors({ period, statistic: 'Sum' }), 1));
    });
    props.stateMachines.forEach((machine, i) => {
      alarms.push(alarm(`FlowFailed${i}`, machine.metricFailed({ period, statistic: 'Sum' }), 1));
      alarms.push(alarm(`FlowTimedOut${i}`, machine.metricTimedOut({ period, statistic: 'Sum' }), 1));
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Operations', { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'API 5xx', left: [api5xx], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'API latency p99 (ms)', left: [apiLatency], width: 8 }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 8 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Lambda errors',
        left: props.functions.map((fn) => fn.metricErrors({ period, statistic: 'Sum' })),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Flows failed / timed out',
        left: props.stateMachines.flatMap((m) => [m.metricFailed({ period }), m.metricTimedOut({ period })]),
        width: 12,
      }),
    );
  }
}
