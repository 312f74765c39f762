import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { acknowledge } from './constructs/nag.js';

export interface ControlStackProps extends StackProps {
  readonly table: ITable;
}

/**
 * Dispatch and switching flows. State machines use JSONPath (not JSONata) so aws-local-stepfunctions runs the same
 * ASL locally.
 */
export class ControlStack extends Stack {
  readonly functions: IFunction[] = [];
  readonly stateMachines: sfn.IStateMachine[] = [];
  readonly switchFlow: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: ControlStackProps) {
    super(scope, id, props);
    const commandsTopicArn = this.formatArn({
      service: 'iot',
      resource: 'topic',
      resourceName: 'hcp/v1/sites/*/commands',
    });
    const publish = new tasks.CallAwsService(this, 'PublishCommand', {
      service: 'iotdata',
      action: 'publish',
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      parameters: {
        Topic: sfn.JsonPath.format('hcp/v1/sites/{}/commands', sfn.JsonPath.stringAt('$.siteId')),
        Qos: 1,
        Payload: { 'command.$': '$.command', taskToken: sfn.JsonPath.taskToken },
      },
      iamResources: [commandsTopicArn],
      iamAction: 'iot:Publish',
      heartbeatTimeout: sfn.Timeout.duration(Duration.seconds(60)),
      taskTimeout: sfn.Timeout.duration(Duration.minutes(4)),
      resultPath: '$.ack',
    });
    const compensate = new sfn.Pass(this, 'Compensate', { result: sfn.Result.fromObject({ compensated: true }) });
    const failed = new sfn.Fail(this, 'SwitchFailed', { error: 'SwitchFailed', cause: 'no executed ack' });
    publish.addCatch(compensate.next(failed), { errors: ['States.ALL'], resultPath: '$.error' });
    const definition = publish.next(new sfn.Succeed(this, 'Switched'));

    const logGroup = new logs.LogGroup(this, 'SwitchFlowLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    this.switchFlow = new sfn.StateMachine(this, 'SwitchFlow', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      queryLanguage: sfn.QueryLanguage.JSON_PATH,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      timeout: Duration.minutes(10),
    });
    this.stateMachines.push(this.switchFlow);
    acknowledge(
      this.switchFlow.role,
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray tracing and CloudWatch Logs delivery actions of Step Functions have no resource-level permissions.',
    );
    acknowledge(
      this.switchFlow.role,
      `AwsSolutions-IAM5[Resource::arn:aws:iot:${this.region}:<AWS::AccountId>:topic/hcp/v1/sites/*/commands]`,
      'The flow publishes commands to whichever site it switches: every site command topic, and only those.',
    );
  }
}
