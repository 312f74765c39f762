import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { HcpFunction } from './hcp-function.js';

export interface RuleFunctionProps {
  /** The function's construct id (kept stable: it names the function's resources). */
  readonly functionId: string;
  /** Handler module relative to the project root. */
  readonly entry: string;
  readonly serviceName: string;
  /** IoT SQL (2016-03-23) selecting the messages the function gets. */
  readonly sql: string;
  readonly description: string;
  /** @default none */
  readonly environment?: Record<string, string>;
}

/**
 * Gateway messages into a Lambda: an IoT rule invokes the function asynchronously for each message its SQL selects.
 * Both async hops have a dead-letter queue: the rule's error action (the invoke itself failed), and the function's
 * on-failure destination after its async retries.
 */
export class RuleFunction extends Construct {
  readonly function: HcpFunction;
  readonly rule: iot.CfnTopicRule;
  readonly deadLetterQueues: sqs.IQueue[];

  constructor(scope: Construct, id: string, props: RuleFunctionProps) {
    super(scope, id);
    const ruleDlq = new DeadLetterQueue(this, 'RuleDlq').queue;
    const invokeDlq = new DeadLetterQueue(this, 'InvokeDlq').queue;
    this.deadLetterQueues = [ruleDlq, invokeDlq];

    this.function = new HcpFunction(this, props.functionId, {
      entry: props.entry,
      serviceName: props.serviceName,
      ...(props.environment ? { environment: props.environment } : {}),
    });
    this.function.fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.minutes(5),
      onFailure: new destinations.SqsDestination(invokeDlq),
    });

    const errorRole = new iam.Role(this, 'ErrorActionRole', {
      assumedBy: new iam.ServicePrincipal('iot.amazonaws.com'),
    });
    ruleDlq.grantSendMessages(errorRole);
    this.rule = new iot.CfnTopicRule(this, 'Rule', {
      topicRulePayload: {
        description: props.description,
        awsIotSqlVersion: '2016-03-23',
        sql: props.sql,
        ruleDisabled: false,
        actions: [{ lambda: { functionArn: this.function.fn.functionArn } }],
        errorAction: { sqs: { queueUrl: ruleDlq.queueUrl, roleArn: errorRole.roleArn, useBase64: false } },
      },
    });
    this.function.fn.addPermission(`InvokeFrom${id}`, {
      principal: new iam.ServicePrincipal('iot.amazonaws.com'),
      sourceArn: this.rule.attrArn,
      sourceAccount: Stack.of(this).account,
    });
  }
}
