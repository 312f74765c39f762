import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SITE_ID_MATCHES_TOPIC, SITE_ID_TOPIC_LEVEL, siteTopicSql } from '../../core/messages/topics.js';
import { TABLE_KEYS } from '../../functions/shared/data/table-design.js';
import { DeadLetterQueue } from './dead-letter-queue.js';

export interface LatestStateRuleProps {
  readonly table: ITable;
}

/**
 * The latest state of each gateway, kept by an IoT rule with no Lambda in the path: every telemetry batch overwrites
 * `SITE#<siteId>` / `GATEWAY#<gatewayId>` with its site power, batch sequence, spool drops and arrival time, and every
 * heartbeat overwrites `SITE#<siteId>` / `HEARTBEAT`. The API's site view reads both; per-device state comes from the
 * device telemetry path (IoT SQL cannot split a batch into devices).
 */
export class LatestStateRule extends Construct {
  readonly rules: iot.CfnTopicRule[];
  readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: LatestStateRuleProps) {
    super(scope, id);
    this.deadLetterQueue = new DeadLetterQueue(this, 'Dlq').queue;
    const role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('iot.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [props.table.tableArn] }));
    if (props.table.encryptionKey) {
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.table.encryptionKey.keyArn],
        }),
      );
    }
    this.deadLetterQueue.grantSendMessages(role);
    const rule = (name: string, description: string, sql: string) =>
      new iot.CfnTopicRule(this, name, {
        topicRulePayload: {
          description,
          awsIotSqlVersion: '2016-03-23',
          sql,
          ruleDisabled: false,
          actions: [{ dynamoDBv2: { roleArn: role.roleArn, putItem: { tableName: props.table.tableName } } }],
          errorAction: {
            sqs: { queueUrl: this.deadLetterQueue.queueUrl, roleArn: role.roleArn, useBase64: false },
          },
        },
      });
    // The item keys are the table's own (table-design.ts), built in the rule SQL.
    const siteIdOfTopic = `topic(${SITE_ID_TOPIC_LEVEL})`;
    const keys = (sk: string) =>
      `concat('SITE#', ${siteIdOfTopic}) AS ${TABLE_KEYS.partitionKey}, ${sk} AS ${TABLE_KEYS.sortKey}, ` +
      `${siteIdOfTopic} AS siteId`;
    this.rules = [
      rule(
        'GatewayRule',
        'Latest telemetry summary per gateway into the platform table',
        siteTopicSql('telemetry', {
          select:
            `${keys("concat('GATEWAY#', gatewayId)")}, gatewayId, batchSeq, sentAt, sitePowerKw, droppedBatches, ` +
            'timestamp() AS receivedAtMs',
          where: SITE_ID_MATCHES_TOPIC,
        }),
      ),
      rule(
        'HeartbeatRule',
        'Latest heartbeat per site gateway into the platform table',
        siteTopicSql('heartbeat', { select: `*, ${keys("'HEARTBEAT'")}, timestamp() AS receivedAtMs` }),
      ),
    ];
  }
}
