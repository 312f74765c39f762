import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as timestream from 'aws-cdk-lib/aws-timestream';
import { Construct } from 'constructs';
import { SITE_ID_TOPIC_LEVEL, siteTopicSql } from '../../core/messages/topics.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import type { HcpFunction } from './hcp-function.js';
import { acknowledge } from './nag.js';
import { type PagingMetric, TelemetryBuckets } from './telemetry-buckets.js';
import { epochMsSql, type TelemetrySink } from './telemetry-sink.js';

export interface TimestreamTelemetrySinkProps {
  /** Hours kept in Timestream's memory store (fast queries, and the only store that takes recent writes). @default 24 */
  readonly memoryRetentionHours?: number;
  /** Days kept in the magnetic store. @default 400 */
  readonly magneticRetentionDays?: number;
}

/**
 * Telemetry into Timestream for LiveAnalytics, for accounts that have it (closed to new AWS customers since
 * 2025-06-20; the default sink is IcebergTelemetrySink). Site-level measures by an IoT rule with no Lambda in the
 * path; per-device samples by the DeviceTelemetry consumer. Magnetic-store writes are on, so a batch a gateway
 * spooled for longer than the memory store's retention (an outage past 24 h) is still stored; what the magnetic store
 * refuses lands in an alarmed bucket, and what the rule cannot write in an alarmed queue.
 */
export class TimestreamTelemetrySink extends Construct implements TelemetrySink {
  readonly kind = 'timestream' as const;
  readonly database: timestream.CfnDatabase;
  readonly table: timestream.CfnTable;
  readonly rule: iot.CfnTopicRule;
  readonly deadLetterQueues: readonly sqs.IQueue[];
  readonly pagingMetrics: readonly PagingMetric[];

  constructor(scope: Construct, id: string, props: TimestreamTelemetrySinkProps = {}) {
    super(scope, id);
    const key = new kms.Key(this, 'Key', { enableKeyRotation: true, description: 'HCP telemetry at rest' });
    const rejected = new TelemetryBuckets(this, 'Buckets', key).failureBucket(
      'MagneticRejects',
      'Timestream refused records of a late batch for the magnetic store (duplicates, or older than its retention): they are in this bucket.',
    );
    this.pagingMetrics = [rejected.paging];
    this.database = new timestream.CfnDatabase(this, 'Database', { kmsKeyId: key.keyArn });
    this.database.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.table = new timestream.CfnTable(this, 'SiteTelemetry', {
      databaseName: this.database.ref,
      retentionProperties: {
        MemoryStoreRetentionPeriodInHours: String(props.memoryRetentionHours ?? 24),
        MagneticStoreRetentionPeriodInDays: String(props.magneticRetentionDays ?? 400),
      },
      magneticStoreWriteProperties: {
        EnableMagneticStoreWrites: true,
        MagneticStoreRejectedDataLocation: {
          S3Configuration: {
            BucketName: rejected.bucket.bucketName,
            EncryptionOption: 'SSE_KMS',
            KmsKeyId: key.keyId,
            ObjectKeyPrefix: 'magnetic-rejects/',
          },
        },
      },
    });
    this.table.node.addDependency(this.database);

    const ruleErrors = new DeadLetterQueue(this, 'RuleErrors').queue;
    this.deadLetterQueues = [ruleErrors];
    const role = new iam.Role(this, 'RuleRole', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
    grantWriteRecords(role, this.table);
    ruleErrors.grantSendMessages(role);

    this.rule = new iot.CfnTopicRule(this, 'Rule', {
      topicRulePayload: {
        description: 'Site-level telemetry of every gateway into Timestream',
        awsIotSqlVersion: '2016-03-23',
        // Site-level measures; per-device series are written per metric by the control plane's telemetry flow.
        sql: siteTopicSql('telemetry', { select: 'sitePowerKw, droppedBatches, batchSeq' }),
        ruleDisabled: false,
        actions: [
          {
            timestream: {
              roleArn: role.roleArn,
              databaseName: this.database.ref,
              tableName: this.table.attrName,
              dimensions: [
                { name: 'siteId', value: `${'${'}topic(${SITE_ID_TOPIC_LEVEL})}` },
                { name: 'gatewayId', value: '${gatewayId}' },
              ],
              timestamp: { value: `\${${epochMsSql('sentAt')}}`, unit: 'MILLISECONDS' },
            },
          },
        ],
        errorAction: { sqs: { queueUrl: ruleErrors.queueUrl, roleArn: role.roleArn, useBase64: false } },
      },
    });
    for (const resource of [this.database, this.table]) {
      acknowledge(
        resource,
        'CloudFormation-Validate::W3697',
        'Timestream is known to be in maintenance mode: this sink is the opt-in one (telemetrySink: timestream).',
      );
    }
  }

  grantSeriesWrite(fn: HcpFunction): void {
    grantWriteRecords(fn.fn.role!, this.table);
    fn.fn.addEnvironment('TELEMETRY_SINK', this.kind);
    fn.fn.addEnvironment('TELEMETRY_DATABASE', this.database.ref);
    fn.fn.addEnvironment('TELEMETRY_TABLE', this.table.attrName);
  }

  /**
   * No query access: the history's series and KPIs read site rows (limit, prices, money) and fleet events
   * (heartbeats, switches, API probes) that this sink does not store, so the history routes answer 503 naming this
   * sink (functions/telemetry-history/adapters/athena-runtime.ts). README, "Telemetry history".
   */
  grantHistoryQuery(fn: HcpFunction): void {
    fn.fn.addEnvironment('TELEMETRY_SINK', this.kind);
  }
}

function grantWriteRecords(principal: iam.IRole, table: timestream.CfnTable): void {
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['timestream:WriteRecords'], resources: [table.attrArn] }),
  );
  // DescribeEndpoints is account-level: it has no resource-level permission.
  principal.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['timestream:DescribeEndpoints'], resources: ['*'] }),
  );
  acknowledge(
    principal,
    'AwsSolutions-IAM5[Resource::*]',
    'timestream:DescribeEndpoints is account-level and has no resource-level permission (Timestream IAM reference).',
  );
}
