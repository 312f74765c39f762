import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { allMarketsTopicResource } from '../../core/messages/topics.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { HcpFunction } from './hcp-function.js';
import { grantTopicPublish } from './iot-topics.js';
import { acknowledgeInvokeQualifiers, bindTableItems } from './table-access.js';

export interface MarketIngestionProps {
  readonly table: ITable;
  /**
   * @default Duration.minutes(1): each run relays prices to the gateways, whose watchdog wants to hear the cloud at
   * least every 2 minutes (SwitchAgent `heartbeatTimeoutMs`)
   */
  readonly interval?: Duration;
  /** `iot:DescribeEndpoint` (iot:Data-ATS) of the account. @default the SDK's default */
  readonly iotDataEndpoint?: string;
  /** `synthetic`, `stored`, `csv` or `ercot` (functions/market/runtime.ts). @default 'synthetic' */
  readonly source?: string;
}

/**
 * Market data on a schedule: a Lambda behind the MarketDataSource port stores the snapshot dispatch reads and relays
 * each node's price to the gateways on `hcp/v1/market/<node>/signals`.
 */
export class MarketIngestion extends Construct {
  readonly functions: HcpFunction[];
  readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: MarketIngestionProps) {
    super(scope, id);
    const fn = new HcpFunction(this, 'IngestFn', {
      entry: 'functions/market/ingest-handler.ts',
      serviceName: 'hcp-market',
      timeout: Duration.seconds(30),
      environment: {
        MARKET_SOURCE: props.source ?? 'synthetic',
        ...(props.iotDataEndpoint ? { IOT_DATA_ENDPOINT: props.iotDataEndpoint } : {}),
      },
    });
    grantTopicPublish(
      fn.fn,
      allMarketsTopicResource,
      'Market signals go to every settlement point the fleet uses: the market signal topics, and only those.',
    );
    bindTableItems(fn, props.table);
    this.functions = [fn];
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq').queue;
    // Scheduler hands the event over asynchronously: a failure inside the function goes to the same DLQ.
    fn.fn.configureAsyncInvoke({
      retryAttempts: 1,
      maxEventAge: Duration.minutes(5),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
    const interval = props.interval ?? Duration.minutes(1);
    const role = new iam.Role(this, 'ScheduleRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com') });
    acknowledgeInvokeQualifiers(role, [fn.fn]);
    new scheduler.Schedule(this, 'Schedule', {
      description: 'HCP market data ingestion',
      schedule: scheduler.ScheduleExpression.rate(interval),
      target: new schedulerTargets.LambdaInvoke(fn.fn, {
        role,
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 2,
        maxEventAge: interval,
      }),
    });
  }
}
