import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { HcpFunction } from './hcp-function.js';

export interface AckRuleProps {
  /** The flow whose task tokens the acks settle. */
  readonly switchFlow: sfn.IStateMachine;
}

/**
 * Acks back into the switching flow: an IoT rule on `hcp/v1/sites/+/acks` invokes the ack Lambda, which calls
 * SendTaskSuccess/Failure/Heartbeat. The rule keeps only acks whose body names the site of the topic it came on (the
 * gateway policy already pins each gateway to its own topics). Both async hops have a dead-letter queue: the rule's
 * error action, and the Lambda's on-failure destination after its async retries.
 */
export class AckRule extends Construct {
  readonly function: HcpFunction;
  readonly rule: iot.CfnTopicRule;
  readonly deadLetterQueues: sqs.IQueue[];

  constructor(scope: Construct, id: string, props: AckRuleProps) {
    super(scope, id);
    const ruleDlq = new DeadLetterQueue(this, 'RuleDlq').queue;
    const invokeDlq = new DeadLetterQueue(this, 'InvokeDlq').queue;
    this.deadLetterQueues = [ruleDlq, invokeDlq];

    this.function = new HcpFunction(this, 'AckFn', {
      entry: 'functions/switching/ack.ts',
      serviceName: 'hcp-switching',
    });
    this.function.fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.minutes(5),
      onFailure: new destinations.SqsDestination(invokeDlq),
    });
    props.switchFlow.grantTaskResponse(this.function.fn);

    const errorRole = new iam.Role(this, 'ErrorActionRole', {
      assumedBy: new iam.ServicePrincipal('iot.amazonaws.com'),
    });
    ruleDlq.grantSendMessages(errorRole);
    this.rule = new iot.CfnTopicRule(this, 'Rule', {
      topicRulePayload: {
        description: 'Gateway acks settle the switching flow task tokens',
        awsIotSqlVersion: '2016-03-23',
        sql: "SELECT * FROM 'hcp/v1/sites/+/acks' WHERE siteId = topic(4)",
        ruleDisabled: false,
        actions: [{ lambda: { functionArn: this.function.fn.functionArn } }],
        errorAction: { sqs: { queueUrl: ruleDlq.queueUrl, roleArn: errorRole.roleArn, useBase64: false } },
      },
    });
    this.function.fn.addPermission('InvokeFromAckRule', {
      principal: new iam.ServicePrincipal('iot.amazonaws.com'),
      sourceArn: this.rule.attrArn,
      sourceAccount: Stack.of(this).account,
    });
  }
}
