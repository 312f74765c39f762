import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SITE_ID_MATCHES_TOPIC, siteTopicSql } from '../../core/messages/topics.js';
import type { HcpFunction } from './hcp-function.js';
import type { IcebergTelemetrySink } from './iceberg-telemetry-sink.js';
import { RuleFunction } from './rule-function.js';

export interface SwitchTelemetryProps {
  /** The sink whose `fleet_events` stream the switches go to. */
  readonly sink: Pick<IcebergTelemetrySink, 'grantRowWrite'>;
}

/**
 * The gateways' switches into the telemetry history (`fleet_events`, kind `switch`): the switch-latency KPI's source
 * in AWS. Two IoT rules invoke one Lambda (functions/telemetry/switch-events.ts): acks of executed or refused commands
 * (`hcp/v1/sites/+/acks`) and the gateways' own `local-switch` events (`hcp/v1/sites/+/events`), each kept only when
 * its body names the site of its topic. The function may put records into that one stream and nothing else. Beside
 * the ack and local-switch rules of the switching flow, so a stalled history never holds up a switch.
 */
export class SwitchTelemetry extends Construct {
  readonly function: HcpFunction;
  readonly deadLetterQueues: readonly sqs.IQueue[];

  constructor(scope: Construct, id: string, props: SwitchTelemetryProps) {
    super(scope, id);
    const acks = new RuleFunction(this, 'Acks', {
      functionId: 'Fn',
      entry: 'functions/telemetry/switch-events-handler.ts',
      serviceName: 'hcp-telemetry',
      description: "Gateways' command acks into the telemetry history (fleet_events), for the switch-latency KPI",
      sql: siteTopicSql('acks', { where: `${SITE_ID_MATCHES_TOPIC} AND status <> 'received'` }),
    });
    this.function = acks.function;
    props.sink.grantRowWrite(this.function, 'fleetEvents', 'TELEMETRY_EVENTS_STREAM');

    // The local switches through the same function; the rule's own failures to the same dead-letter queue.
    const [ruleDlq] = acks.deadLetterQueues as [sqs.IQueue];
    const errorRole = new iam.Role(this, 'LocalSwitchErrorRole', {
      assumedBy: new iam.ServicePrincipal('iot.amazonaws.com'),
    });
    ruleDlq.grantSendMessages(errorRole);
    const localSwitches = new iot.CfnTopicRule(this, 'LocalSwitchRule', {
      topicRulePayload: {
        description: "Gateways' local switches into the telemetry history (fleet_events), for the switch-latency KPI",
        awsIotSqlVersion: '2016-03-23',
        sql: siteTopicSql('events', { where: `${SITE_ID_MATCHES_TOPIC} AND type = 'local-switch'` }),
        ruleDisabled: false,
        actions: [{ lambda: { functionArn: this.function.fn.functionArn } }],
        errorAction: { sqs: { queueUrl: ruleDlq.queueUrl, roleArn: errorRole.roleArn, useBase64: false } },
      },
    });
    this.function.fn.addPermission('InvokeFromLocalSwitchRule', {
      principal: new iam.ServicePrincipal('iot.amazonaws.com'),
      sourceArn: localSwitches.attrArn,
      sourceAccount: Stack.of(this).account,
    });
    this.deadLetterQueues = acks.deadLetterQueues;
  }
}
