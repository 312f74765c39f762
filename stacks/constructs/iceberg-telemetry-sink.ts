import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SITE_ID_MATCHES_TOPIC, SITE_ID_TOPIC_LEVEL, siteTopicSql } from '../../core/messages/topics.js';
import { LIVE_SCENARIO, PARTITION_COLUMNS } from '../../core/telemetry-history/records.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { encryptedLogGroup } from './encrypted-log-group.js';
import type { HcpFunction } from './hcp-function.js';
import { acknowledge } from './nag.js';
import { type PagingMetric, TelemetryBuckets } from './telemetry-buckets.js';
import { epochMsSql, type HistoryRowStream, type TelemetrySink } from './telemetry-sink.js';

export type HistoryTable = 'siteSeries' | 'deviceSeries' | 'fleetEvents';
export type HistoryColumnType = 'VARCHAR' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN';
export type HistoryTables = Readonly<Record<HistoryTable, Readonly<Record<string, HistoryColumnType>>>>;

export interface TelemetryLifecycle {
  /** Days before data files move to S3 Standard-IA. @default 30 */
  readonly infrequentAccessAfterDays?: number;
  /** Days before data files expire. @default 400 */
  readonly expireAfterDays?: number;
}

export interface IcebergTelemetrySinkProps {
  /** The history's tables and their columns (core/telemetry-history/records.ts `TELEMETRY_TABLES`). */
  readonly tables: HistoryTables;
  /** @default 30 days hot, then Standard-IA, expired after 400 days */
  readonly lifecycle?: TelemetryLifecycle;
  /** Athena cancels a query of the history's workgroup past this many MiB scanned. @default 1024 */
  readonly bytesScannedLimitMb?: number;
  /**
   * Give the sink's key its alias (`historyStoreNames(...).keyAlias`), so another region's history Lambda can be
   * granted this key by alias (kms:ResourceAliases) without a cross-region reference. @default false (one region)
   */
  readonly keyAlias?: boolean;
}

/**
 * The names of one region's history store, all derived from its IoT stack's name and region: what another region's
 * history Lambda is granted and told (docs/REGIONS.md) without a cross-region reference. Bucket names carry the
 * account as `Aws.ACCOUNT_ID`: every region's stacks deploy to one account.
 */
export interface HistoryStoreNames {
  readonly region: string;
  readonly workGroup: string;
  readonly database: string;
  readonly dataBucket: string;
  readonly resultsBucket: string;
  /** The sink key's alias (`alias/...`); present in a multi-region deployment only (IcebergTelemetrySinkProps.keyAlias). */
  readonly keyAlias: string;
}

/** The history store names of the sink in the stack named `stackName` (the region's IoT stack) in `region`. */
export function historyStoreNames(stackName: string, region: string): HistoryStoreNames {
  const lower = stackName.toLowerCase();
  return {
    region,
    workGroup: `${stackName}-telemetry`,
    // Glue names: lower case (Hive compatibility), derived from the stack so two stages never share a database.
    database: `${lower.replace(/[^a-z0-9]+/g, '_')}_telemetry`,
    dataBucket: `${lower}-tlm-${Aws.ACCOUNT_ID}-${region}`,
    resultsBucket: `${lower}-tlmq-${Aws.ACCOUNT_ID}-${region}`,
    keyAlias: `alias/${stackName}-telemetry`,
  };
}

/** What another region's history Lambda reads of each store: the environment's `TELEMETRY_OTHER_REGIONS` (JSON). */
export const otherRegionsEnvironment = (stores: readonly HistoryStoreNames[]): string =>
  JSON.stringify(stores.map(({ region, workGroup, database }) => ({ region, workGroup, database })));

/** The Glue (Iceberg) table of each history table: the snake_case names the SQL's `database.table` uses. */
export const GLUE_TABLE_NAMES: Readonly<Record<HistoryTable, string>> = {
  siteSeries: 'site_series',
  deviceSeries: 'device_series',
  fleetEvents: 'fleet_events',
};

const ICEBERG_TYPES: Readonly<Record<HistoryColumnType, string>> = {
  VARCHAR: 'string',
  BIGINT: 'long',
  DOUBLE: 'double',
  BOOLEAN: 'boolean',
};

/** Firehose flushes to Iceberg every 5 minutes or 64 MiB: fewer, larger Parquet files; history lags ≤ 5 minutes. */
const FLUSH = { intervalInSeconds: 300, sizeInMBs: 64 };

/**
 * The telemetry history in any AWS account: Amazon Data Firehose into Apache Iceberg tables (format v2, Parquet) in
 * an S3 bucket with an AWS Glue catalog, partitioned by `site` and `day`, queried with Athena.
 *
 * Why S3 + Glue and not S3 Tables: CloudFormation has both (AWS::Glue::Table with an Iceberg partition spec,
 * AWS::S3Tables::*), but Firehose and Athena reach an S3 table bucket only through the account's S3 Tables analytics
 * integration (the `s3tablescatalog` federated catalog, a resource link in the default catalog and Lake Formation
 * grants for every role), an account-wide setup outside this stack. A bucket + Glue needs IAM only, deploys from this
 * stack alone, and its lifecycle rules give the hot → infrequent access → expiry the history asks for.
 *
 * Writers: an IoT rule (no Lambda) puts every gateway heartbeat into `fleet_events`; the telemetry consumer puts the
 * site and device rows (grantSeriesWrite); the switch rules' Lambda (switch-telemetry.ts) the switches, and the API
 * canary its probes (`fleetEvents`), into `fleet_events` too. Rows Firehose cannot deliver go to an error bucket that pages on its first
 * object; messages the rule cannot hand to Firehose go to a dead-letter queue whose depth pages.
 *
 * Lifecycle acts on the data files only (`<table>/data/`): Iceberg's metadata stays, so queries within the retention
 * keep working; a query reaching past it fails on the missing files (the history API bounds its ranges).
 */
export class IcebergTelemetrySink extends Construct implements TelemetrySink {
  readonly kind = 'iceberg' as const;
  readonly key: kms.Key;
  readonly bucket: s3.Bucket;
  readonly dataBucketName: string;
  readonly resultsBucketName: string;
  readonly database: glue.CfnDatabase;
  readonly databaseName: string;
  readonly tables: Readonly<Record<HistoryTable, glue.CfnTable>>;
  readonly streams: Readonly<Record<HistoryTable, firehose.CfnDeliveryStream>>;
  readonly workGroup: athena.CfnWorkGroup;
  readonly bytesScannedLimitMb: number;
  readonly resultsBucket: s3.Bucket;
  readonly deadLetterQueues: readonly sqs.IQueue[];
  readonly pagingMetrics: readonly PagingMetric[];
  readonly fleetEvents: HistoryRowStream;

  constructor(scope: Construct, id: string, props: IcebergTelemetrySinkProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const names = historyStoreNames(stack.stackName, stack.region);
    this.key = new kms.Key(this, 'Key', {
      enableKeyRotation: true,
      description: 'HCP telemetry history at rest',
      ...(props.keyAlias ? { alias: names.keyAlias } : {}),
    });
    const buckets = new TelemetryBuckets(this, 'Buckets', this.key);
    const iaAfter = props.lifecycle?.infrequentAccessAfterDays ?? 30;
    const expireAfter = props.lifecycle?.expireAfterDays ?? 400;
    // Named from the stack, account and region (not generated): the history Lambda's grant, in another stack, then
    // names the buckets itself instead of importing them, and its cdk-nag evidence reads the same in every stage.
    this.dataBucketName = names.dataBucket;
    this.resultsBucketName = names.resultsBucket;
    this.bucket = buckets.bucket('Data', {
      bucketName: this.dataBucketName,
      lifecycleRules: Object.values(GLUE_TABLE_NAMES).map((table) => ({
        prefix: `${table}/data/`,
        transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(iaAfter) }],
        expiration: Duration.days(expireAfter),
      })),
    });
    const errors = buckets.failureBucket(
      'DeliveryErrors',
      'Firehose could not write telemetry rows into the Iceberg tables: the rows are in this bucket, to replay.',
    );
    this.pagingMetrics = [errors.paging];

    this.databaseName = names.database;
    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: this.databaseName, description: 'HCP telemetry history (Apache Iceberg)' },
    });

    const role = new iam.Role(this, 'FirehoseRole', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        conditions: { StringEquals: { 'sts:ExternalId': Aws.ACCOUNT_ID } },
      }),
      description: 'HCP telemetry: Firehose delivery into the Iceberg tables',
    });
    const logGroup = encryptedLogGroup(this, 'DeliveryLogs', { retention: logs.RetentionDays.ONE_MONTH });
    logGroup.grantWrite(role);
    this.key.grantEncryptDecrypt(role);
    grantBucketReadWrite(role, this.bucket, true);
    grantBucketReadWrite(role, errors.bucket, false);

    const tables = {} as Record<HistoryTable, glue.CfnTable>;
    const streams = {} as Record<HistoryTable, firehose.CfnDeliveryStream>;
    for (const [which, columns] of Object.entries(props.tables) as Array<[HistoryTable, HistoryTables[HistoryTable]]>) {
      const name = GLUE_TABLE_NAMES[which];
      tables[which] = this.icebergTable(which, name, columns);
      streams[which] = this.deliveryStream(which, name, { role, logGroup, errors: errors.bucket });
      streams[which].node.addDependency(tables[which], role);
    }
    this.tables = tables;
    this.streams = streams;
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:UpdateTable'],
        resources: this.catalogArns(Object.values(GLUE_TABLE_NAMES)),
      }),
    );

    this.fleetEvents = {
      streamName: streams.fleetEvents.ref,
      grantPut: (grantee) =>
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['firehose:PutRecord'],
          resourceArns: [streams.fleetEvents.attrArn],
        }),
    };
    const rule = this.heartbeatRule(streams.fleetEvents);
    this.deadLetterQueues = [rule.errors];

    this.bytesScannedLimitMb = props.bytesScannedLimitMb ?? 1024;
    this.resultsBucket = buckets.bucket('QueryResults', {
      bucketName: this.resultsBucketName,
      lifecycleRules: [{ expiration: Duration.days(7) }],
    });
    this.workGroup = new athena.CfnWorkGroup(this, 'Queries', {
      name: names.workGroup,
      description: 'HCP telemetry history: encrypted results, a bytes-scanned cutoff per query',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: this.bytesScannedLimitMb * 1024 * 1024,
        // Iceberg tables need engine version 3.
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.key.keyArn },
        },
      },
    });
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
      'Firehose writes Iceberg data and metadata files under every table of the telemetry bucket (AWS Firehose Iceberg guide).',
    );
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(errors.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
      'Firehose names the error objects it writes by time and table: the whole error bucket is its to write.',
    );
    for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*'])
      acknowledge(role, `AwsSolutions-IAM5[Action::${action}]`, 'CDK key grant on the sink’s own key only.');
    acknowledge(
      role,
      `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(logGroup.node.defaultChild as logs.CfnLogGroup)}.Arn>:*]`,
      'Firehose creates its delivery log streams at run time under this log group only.',
    );
  }

  /**
   * Lets the telemetry consumer put site and device rows, and tells it the streams (TELEMETRY_SITE_STREAM,
   * TELEMETRY_DEVICE_STREAM) and which sink it writes (TELEMETRY_SINK=iceberg).
   */
  grantSeriesWrite(fn: HcpFunction): void {
    this.grantRowWrite(fn, 'siteSeries', 'TELEMETRY_SITE_STREAM');
    this.grantRowWrite(fn, 'deviceSeries', 'TELEMETRY_DEVICE_STREAM');
    fn.fn.addEnvironment('TELEMETRY_SINK', this.kind);
  }

  /** Lets `fn` put rows into one table's stream (e.g. switch events into `fleetEvents`), its name in `envName`. */
  grantRowWrite(fn: HcpFunction, table: HistoryTable, envName: string): void {
    fn.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: [this.streams[table].attrArn],
      }),
    );
    fn.fn.addEnvironment(envName, this.streams[table].ref);
  }

  /**
   * What the history API's Lambda needs to query the tables and nothing more: run, poll, read and stop queries in the
   * history's workgroup only; read the three tables' catalog entries and their files; write and read its results; the
   * key. Its environment names the workgroup and the tables (TELEMETRY_ATHENA_WORKGROUP, TELEMETRY_GLUE_DATABASE,
   * TELEMETRY_*_TABLE), what functions/telemetry-history/adapters/athena-runtime.ts reads.
   */
  grantHistoryQuery(fn: HcpFunction): void {
    grantStoreQuery(fn, {
      workGroupArn: Stack.of(this).formatArn({
        service: 'athena',
        resource: 'workgroup',
        resourceName: this.workGroup.ref,
      }),
      catalogArns: this.catalogArns(Object.values(GLUE_TABLE_NAMES)),
      dataBucket: this.dataBucketName,
      resultsBucket: this.resultsBucketName,
    });
    fn.fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.key.keyArn] }),
    );
    fn.fn.addEnvironment('TELEMETRY_ATHENA_WORKGROUP', this.workGroup.ref);
    fn.fn.addEnvironment('TELEMETRY_ATHENA_SCAN_LIMIT_MB', String(this.bytesScannedLimitMb));
    fn.fn.addEnvironment('TELEMETRY_GLUE_DATABASE', this.databaseName);
    fn.fn.addEnvironment('TELEMETRY_SITE_TABLE', GLUE_TABLE_NAMES.siteSeries);
    fn.fn.addEnvironment('TELEMETRY_DEVICE_TABLE', GLUE_TABLE_NAMES.deviceSeries);
    fn.fn.addEnvironment('TELEMETRY_EVENTS_TABLE', GLUE_TABLE_NAMES.fleetEvents);
  }

  /** The catalog, this sink's database and the named tables in it: the Glue resources a request touches. */
  private catalogArns(tableNames: readonly string[]): string[] {
    return glueCatalogArns(this, undefined, this.databaseName, tableNames);
  }

  private icebergTable(id: HistoryTable, name: string, columns: HistoryTables[HistoryTable]): glue.CfnTable {
    const all = Object.entries({ ...columns, ...PARTITION_COLUMNS });
    const fieldId = (column: string) => all.findIndex(([c]) => c === column) + 1;
    const table = new glue.CfnTable(this, `Table-${id}`, {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.databaseName,
      name,
      openTableFormatInput: {
        icebergInput: {
          metadataOperation: 'CREATE',
          // Firehose writes Iceberg format v2 only.
          version: '2',
          icebergTableInput: {
            location: this.bucket.s3UrlForObject(name),
            schema: {
              type: 'struct',
              fields: all.map(([column, type], i) => ({
                id: i + 1,
                name: column,
                type: ICEBERG_TYPES[type],
                required: column in PARTITION_COLUMNS,
              })),
            },
            partitionSpec: {
              specId: 0,
              fields: Object.keys(PARTITION_COLUMNS).map((column, i) => ({
                fieldId: 1000 + i,
                name: column,
                sourceId: fieldId(column),
                transform: 'identity',
              })),
            },
            properties: { 'write.format.default': 'parquet', 'write.parquet.compression-codec': 'zstd' },
          },
        },
      },
    });
    table.node.addDependency(this.database);
    return table;
  }

  private deliveryStream(
    id: HistoryTable,
    table: string,
    deps: { role: iam.Role; logGroup: logs.LogGroup; errors: s3.Bucket },
  ): firehose.CfnDeliveryStream {
    const logStream = new logs.LogStream(this, `DeliveryLog-${id}`, { logGroup: deps.logGroup });
    return new firehose.CfnDeliveryStream(this, `Stream-${id}`, {
      deliveryStreamType: 'DirectPut',
      deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: this.key.keyArn },
      icebergDestinationConfiguration: {
        roleArn: deps.role.roleArn,
        catalogConfiguration: { catalogArn: Stack.of(this).formatArn({ service: 'glue', resource: 'catalog' }) },
        destinationTableConfigurationList: [
          { destinationDatabaseName: this.databaseName, destinationTableName: table, s3ErrorOutputPrefix: `${table}/` },
        ],
        // Telemetry rows are only ever inserted (a replayed batch is a duplicate row the queries average over).
        appendOnly: true,
        bufferingHints: FLUSH,
        retryOptions: { durationInSeconds: 3600 },
        s3BackupMode: 'FailedDataOnly',
        s3Configuration: {
          bucketArn: deps.errors.bucketArn,
          roleArn: deps.role.roleArn,
          errorOutputPrefix: `${table}/!{firehose:error-output-type}/`,
          encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: this.key.keyArn } },
        },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: deps.logGroup.logGroupName,
          logStreamName: logStream.logStreamName,
        },
      },
    });
  }

  /** Every gateway heartbeat as a `fleet_events` row (kind `heartbeat`): the gateway-uptime KPI's source. */
  private heartbeatRule(stream: firehose.CfnDeliveryStream): { rule: iot.CfnTopicRule; errors: sqs.IQueue } {
    const errors = new DeadLetterQueue(this, 'RuleErrors').queue;
    const role = new iam.Role(this, 'RuleRole', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: [stream.attrArn],
      }),
    );
    errors.grantSendMessages(role);
    const rule = new iot.CfnTopicRule(this, 'HeartbeatRule', {
      topicRulePayload: {
        description: 'Gateway heartbeats into the telemetry history (fleet_events), for the uptime KPI',
        awsIotSqlVersion: '2016-03-23',
        sql: siteTopicSql('heartbeat', { select: heartbeatRowSql(), where: SITE_ID_MATCHES_TOPIC }),
        ruleDisabled: false,
        // One message, one Firehose record: one JSON object, the row the Iceberg destination maps by column name.
        actions: [{ firehose: { deliveryStreamName: stream.ref, roleArn: role.roleArn, batchMode: false } }],
        errorAction: { sqs: { queueUrl: errors.queueUrl, roleArn: role.roleArn, useBase64: false } },
      },
    });
    return { rule, errors };
  }
}

/**
 * IoT SQL projecting a heartbeat (`{ siteId, at, mode, … }`) onto a `fleet_events` row: the site from the topic, the
 * UTC day and epoch ms of the gateway's own clock (a spooled heartbeat keeps its time), the live scenario.
 */
export function heartbeatRowSql(): string {
  const site = `topic(${SITE_ID_TOPIC_LEVEL})`;
  return [
    `${site} AS site`,
    `parse_time("yyyy-MM-dd", ${epochMsSql('at')}) AS day`,
    `'${LIVE_SCENARIO}' AS scenario`,
    `${epochMsSql('at')} AS at_ms`,
    `'heartbeat' AS kind`,
    `'gateway' AS source`,
    'true AS ok',
  ].join(', ');
}

/** A bucket's ARN in `scope`'s stack from its name: no import of the other stack's bucket. */
/**
 * Lets `fn` query other regions' history stores, each named by `historyStoreNames` (no cross-region reference), and
 * tells it which (TELEMETRY_OTHER_REGIONS): the same rights as its own store's grant, on exactly those regions'
 * workgroup, catalog entries and buckets, and their keys by alias (kms:ResourceAliases: a key is named in IAM by its
 * ARN, which holds a generated id, so another region's key is found by its alias). The other stores' keys need the
 * alias (IcebergTelemetrySinkProps.keyAlias). Athena in each region runs the query with the caller's credentials.
 */
export function grantOtherRegionsHistoryQuery(fn: HcpFunction, stores: readonly HistoryStoreNames[]): void {
  const stack = Stack.of(fn);
  for (const store of stores) {
    grantStoreQuery(fn, {
      workGroupArn: stack.formatArn({
        service: 'athena',
        region: store.region,
        resource: 'workgroup',
        resourceName: store.workGroup,
      }),
      catalogArns: glueCatalogArns(fn, store.region, store.database, Object.values(GLUE_TABLE_NAMES)),
      dataBucket: store.dataBucket,
      resultsBucket: store.resultsBucket,
    });
    const keys = stack.formatArn({ service: 'kms', region: store.region, resource: 'key', resourceName: '*' });
    fn.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [keys],
        conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': store.keyAlias } },
      }),
    );
    acknowledge(
      fn,
      `AwsSolutions-IAM5[Resource::${nagText(keys)}]`,
      `Only the key whose alias is ${store.keyAlias} (kms:ResourceAliases): the ${store.region} telemetry key, which IAM can name across regions only by alias.`,
    );
  }
  fn.fn.addEnvironment('TELEMETRY_OTHER_REGIONS', otherRegionsEnvironment(stores));
}

/** One history store's query rights: its workgroup's query calls, its catalog entries, its data and results. */
function grantStoreQuery(
  fn: HcpFunction,
  store: { workGroupArn: string; catalogArns: string[]; dataBucket: string; resultsBucket: string },
): void {
  fn.fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
      ],
      resources: [store.workGroupArn],
    }),
  );
  fn.fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['glue:GetDatabase', 'glue:GetTable'], resources: store.catalogArns }),
  );
  const data = s3Arn(fn, store.dataBucket);
  const results = s3Arn(fn, store.resultsBucket);
  fn.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [`${data}/*`] }));
  fn.fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      resources: [`${results}/*`],
    }),
  );
  fn.fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [data, results] }),
  );
  acknowledge(
    fn,
    `AwsSolutions-IAM5[Resource::${nagText(data)}/*]`,
    'Athena reads the Iceberg data and metadata files of the telemetry tables with the caller’s credentials: every object of the bucket may be one.',
  );
  acknowledge(
    fn,
    `AwsSolutions-IAM5[Resource::${nagText(results)}/*]`,
    'Athena writes each query’s results under a name of its own choosing in the results bucket, read back by the caller.',
  );
}

/** The catalog, `database` and the named tables in it, in `region` (@default the scope's stack's). */
function glueCatalogArns(
  scope: Construct,
  region: string | undefined,
  database: string,
  tableNames: readonly string[],
): string[] {
  const stack = Stack.of(scope);
  const glueArn = (resource: string, resourceName?: string) =>
    stack.formatArn({
      service: 'glue',
      resource,
      ...(region ? { region } : {}),
      ...(resourceName ? { resourceName } : {}),
    });
  return [
    glueArn('catalog'),
    glueArn('database', database),
    ...tableNames.map((table) => glueArn('table', `${database}/${table}`)),
  ];
}

function s3Arn(scope: Construct, bucketName: string): string {
  return `arn:${Stack.of(scope).partition}:s3:::${bucketName}`;
}

/** How cdk-nag writes a string with pseudo parameters in a finding's id. */
function nagText(value: string): string {
  return value.replace(Aws.ACCOUNT_ID, '<AWS::AccountId>').replace(Aws.PARTITION, '<AWS::Partition>');
}

function grantBucketReadWrite(role: iam.Role, bucket: s3.IBucket, withDelete: boolean): void {
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
      resources: [bucket.bucketArn],
    }),
  );
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', ...(withDelete ? ['s3:DeleteObject'] : [])],
      resources: [bucket.arnForObjects('*')],
    }),
  );
}
