import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { allMarketsTopicResource } from '../../core/messages/topics.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { HcpFunction } from './hcp-function.js';
import { grantTopicPublish } from './iot-topics.js';
import { acknowledge } from './nag.js';
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
  /** Where prices come from (functions/market/runtime.ts). @default { kind: 'synthetic' } */
  readonly source?: MarketSourceConfig;
}

/**
 * `ercot` creates the secret for ERCOT's API credentials (its value set by the operator, README "ERCOT market
 * source") and lets the ingestion function, and only it, read it; `csv` reads its objects from an existing bucket.
 */
export type MarketSourceConfig =
  | { readonly kind: 'synthetic' | 'stored' }
  | { readonly kind: 'ercot'; readonly nodes?: readonly string[] }
  | {
      readonly kind: 'csv';
      readonly bucketName: string;
      readonly priceKeys: Readonly<Record<string, string>>;
      readonly hashpriceKey: string;
      /** Hourly ERCOT system load (the 4CP forecast's input). @default none */
      readonly systemLoadKey?: string;
      /** Hourly DAM ancillary capacity prices (the planner's ancillary offers). @default none */
      readonly ancillaryPricesKey?: string;
    };

/**
 * Market data on a schedule: a Lambda behind the MarketDataSource port stores the snapshot dispatch reads and relays
 * each node's price to the gateways on `hcp/v1/market/<node>/signals`.
 */
export class MarketIngestion extends Construct {
  readonly functions: HcpFunction[];
  readonly deadLetterQueue: sqs.IQueue;
  /** The ERCOT API credentials, with the `ercot` source. */
  readonly ercotSecret?: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: MarketIngestionProps) {
    super(scope, id);
    const source = props.source ?? { kind: 'synthetic' };
    const fn = new HcpFunction(this, 'IngestFn', {
      entry: 'functions/market/ingest-handler.ts',
      serviceName: 'hcp-market',
      // ERCOT's 30 requests a minute: a cold start reads a dozen reports 2 s apart (prices, DAM, SCED, AS, load).
      timeout: Duration.seconds(source.kind === 'ercot' ? 60 : 30),
      environment: {
        MARKET_SOURCE: source.kind,
        ...(props.iotDataEndpoint ? { IOT_DATA_ENDPOINT: props.iotDataEndpoint } : {}),
      },
    });
    if (source.kind === 'ercot') {
      this.ercotSecret = new secretsmanager.Secret(this, 'ErcotApiCredentials', {
        description:
          'ERCOT Public API credentials as JSON {"subscriptionKey","username","password"}; set with put-secret-value',
        encryptionKey: new kms.Key(this, 'ErcotCredentialsKey', {
          description: 'Encrypts the ERCOT Public API credentials secret',
          enableKeyRotation: true,
        }),
      });
      acknowledge(
        this.ercotSecret,
        'NIST.800.53.R5-SecretsManagerRotationEnabled',
        'ERCOT has no API to change these credentials, so no rotation Lambda can; they are changed on its portal ' +
          'and put here, and the market-data staleness alarm shows a revoked one within minutes.',
      );
      acknowledge(
        this.ercotSecret,
        'AwsSolutions-SMG4',
        'ERCOT issues the subscription key and password on its own portal (apiexplorer.ercot.com); they are rotated there, by hand, then put here.',
      );
      this.ercotSecret.grantRead(fn.fn);
      fn.fn.addEnvironment('ERCOT_SECRET_ARN', this.ercotSecret.secretArn);
      if (source.nodes) fn.fn.addEnvironment('MARKET_NODES', source.nodes.join(','));
    }
    if (source.kind === 'csv') {
      // GetObject on the named objects only: no listing, no wildcard.
      const bucket = s3.Bucket.fromBucketName(this, 'CsvBucket', source.bucketName);
      const { systemLoadKey, ancillaryPricesKey } = source;
      const keys = [...Object.values(source.priceKeys), source.hashpriceKey, systemLoadKey, ancillaryPricesKey];
      fn.fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          resources: keys.filter((key) => key !== undefined).map((key) => bucket.arnForObjects(key)),
        }),
      );
      fn.fn.addEnvironment('MARKET_CSV_BUCKET', source.bucketName);
      fn.fn.addEnvironment('MARKET_CSV_PRICE_KEYS', JSON.stringify(source.priceKeys));
      fn.fn.addEnvironment('MARKET_CSV_HASHPRICE_KEY', source.hashpriceKey);
      if (systemLoadKey) fn.fn.addEnvironment('MARKET_CSV_SYSTEM_LOAD_KEY', systemLoadKey);
      if (ancillaryPricesKey) fn.fn.addEnvironment('MARKET_CSV_AS_KEY', ancillaryPricesKey);
    }
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
