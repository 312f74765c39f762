import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as timestream from 'aws-cdk-lib/aws-timestream';
import { Construct } from 'constructs';
import { SITE_ID_TOPIC_LEVEL, siteTopicSql } from '../../core/messages/topics.js';
import { acknowledge } from './nag.js';

export interface TelemetrySinkProps {
  /** Days kept in Timestream's memory store (fast queries). @default 1 */
  readonly memoryRetentionHours?: number;
  /** Days kept in the magnetic store. @default 400 */
  readonly magneticRetentionDays?: number;
}

/**
 * Telemetry from gateways into a time-series store with no Lambda in the path: an IoT rule on
 * `hcp/v1/sites/+/telemetry` writes to Timestream. Timestream is in maintenance mode for new AWS customers since
 * 2025-06-20, so it stays behind this one construct to be swapped without touching the rest.
 */
export class TelemetrySink extends Construct {
  readonly database: timestream.CfnDatabase;
  readonly table: timestream.CfnTable;
  readonly rule: iot.CfnTopicRule;

  constructor(scope: Construct, id: string, props: TelemetrySinkProps = {}) {
    super(scope, id);
    const key = new kms.Key(this, 'Key', { enableKeyRotation: true, description: 'HCP telemetry at rest' });
    this.database = new timestream.CfnDatabase(this, 'Database', { kmsKeyId: key.keyArn });
    this.database.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.table = new timestream.CfnTable(this, 'SiteTelemetry', {
      databaseName: this.database.ref,
      retentionProperties: {
        MemoryStoreRetentionPeriodInHours: String(props.memoryRetentionHours ?? 24),
        MagneticStoreRetentionPeriodInDays: String(props.magneticRetentionDays ?? 400),
      },
    });
    this.table.node.addDependency(this.database);

    const errors = new logs.LogGroup(this, 'RuleErrors', { retention: logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(this, 'RuleRole', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['timestream:WriteRecords'], resources: [this.table.attrArn] }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        // DescribeEndpoints is account-level: it has no resource-level permission.
        actions: ['timestream:DescribeEndpoints'],
        resources: ['*'],
      }),
    );
    errors.grantWrite(role);

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
              timestamp: { value: '${time_to_epoch(sentAt, "yyyy-MM-dd\'T\'HH:mm:ss.SSSX")}', unit: 'MILLISECONDS' },
            },
          },
        ],
        errorAction: { cloudwatchLogs: { logGroupName: errors.logGroupName, roleArn: role.roleArn } },
      },
    });
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'timestream:DescribeEndpoints is account-level and has no resource-level permission (Timestream IAM reference).',
    );
    for (const resource of [this.database, this.table]) {
      acknowledge(
        resource,
        'CloudFormation-Validate::W3697',
        'Timestream is known to be in maintenance mode; it is isolated in this construct so the sink can be swapped.',
      );
    }
  }
}
