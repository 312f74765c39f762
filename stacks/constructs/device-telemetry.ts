import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { allSitesTopicResource, SITE_ID_MATCHES_TOPIC, siteTopicSql } from '../../core/messages/topics.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { HcpFunction } from './hcp-function.js';
import { grantTopicPublish } from './iot-topics.js';
import { grantTableItems } from './table-access.js';
import type { TelemetrySink } from './telemetry-sink.js';

export interface DeviceTelemetryProps {
  readonly table: ITable;
  /** Where the device samples (and, with the Iceberg sink, the site rows) are written. */
  readonly sink: TelemetrySink;
}

/**
 * Per-device telemetry. IoT SQL cannot unnest the batch's `metrics` array into one row per device, so this path has
 * code in it: the rule puts each batch on a queue (no Lambda in the ingestion hop, buffered, dead-lettered), and a
 * Lambda writes one row per device sample into the sink (TelemetrySink), the latest state of each device for the
 * API, and the site's power split and revenue metrics, then advances the gateway's high-water mark and publishes it
 * back on the site's `telemetry-acks` topic (the gateway's spool waits for it). Lambda-free paths beside it (the Timestream sink's site
 * rule, the Iceberg sink's heartbeat rule) keep recording even if this path stalls.
 */
export class DeviceTelemetry extends Construct {
  readonly function: HcpFunction;
  readonly queue: sqs.Queue;
  readonly deadLetterQueues: sqs.IQueue[];

  constructor(scope: Construct, id: string, props: DeviceTelemetryProps) {
    super(scope, id);
    const consumerDlq = new DeadLetterQueue(this, 'ConsumerDlq').queue;
    const ruleDlq = new DeadLetterQueue(this, 'RuleDlq').queue;
    this.deadLetterQueues = [consumerDlq, ruleDlq];
    const timeout = Duration.seconds(60);
    this.queue = new sqs.Queue(this, 'Batches', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the consumer's timeout (AWS guidance for Lambda event sources).
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      deadLetterQueue: { queue: consumerDlq, maxReceiveCount: 5 },
    });

    this.function = new HcpFunction(this, 'Fn', {
      entry: 'functions/telemetry/device-metrics.ts',
      serviceName: 'hcp-telemetry',
      memorySizeMb: 512,
      timeout,
    });
    grantTableItems(this.function.fn, props.table);
    this.function.fn.addEnvironment('TABLE_NAME', props.table.tableName);
    props.sink.grantSeriesWrite(this.function);
    grantTopicPublish(
      this.function.fn,
      allSitesTopicResource('telemetry-acks'),
      'The consumer serves every site: it sends each gateway its telemetry high-water mark on that topic, and only it.',
    );
    this.function.fn.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }),
    );

    const role = new iam.Role(this, 'RuleRole', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
    this.queue.grantSendMessages(role);
    ruleDlq.grantSendMessages(role);
    new iot.CfnTopicRule(this, 'Rule', {
      topicRulePayload: {
        description: 'Telemetry batches onto the per-device ingestion queue',
        awsIotSqlVersion: '2016-03-23',
        sql: siteTopicSql('telemetry', { where: SITE_ID_MATCHES_TOPIC }),
        ruleDisabled: false,
        actions: [{ sqs: { queueUrl: this.queue.queueUrl, roleArn: role.roleArn, useBase64: false } }],
        errorAction: { sqs: { queueUrl: ruleDlq.queueUrl, roleArn: role.roleArn, useBase64: false } },
      },
    });
  }
}
