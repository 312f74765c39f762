import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { buildApp } from '../../bin/app.js';
import { parseAppContext } from '../../bin/config.js';
import { synthesizedApp, TEST_CONTEXT } from './app-fixture.js';

const { app, stacks } = synthesizedApp();
const control = Template.fromStack(stacks.control);
const monitoring = Template.fromStack(stacks.monitoring);
const logicalId = (queue: sqs.IQueue) =>
  stacks.control.getLogicalId((queue as sqs.Queue).node.defaultChild as sqs.CfnQueue);

describe('ancillary awards: the QSE queue and its Lambda', () => {
  const awardsQueue = logicalId(stacks.control.awardsQueue);
  const functions = control.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'hcp-ancillary' } } },
  });
  const awardsFn = Object.keys(functions)[0]!;
  const awardsFnProps = functions[awardsFn]!.Properties;

  it('puts awards on an encrypted, TLS-only queue that dead-letters after three receives', () => {
    // Assess
    const queue = control.toJSON().Resources[awardsQueue];
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: { maxReceiveCount: 3, deadLetterTargetArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
    });
    const dlq = queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(control.toJSON().Resources[dlq].Properties).toMatchObject({ SqsManagedSseEnabled: true });
    for (const id of [awardsQueue, dlq]) {
      control.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('drains the queue into one Lambda with partial batch failures, which may start the SwitchFlow', () => {
    // Assess
    expect(Object.keys(functions)).toHaveLength(1);
    control.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [awardsQueue, 'Arn'] },
      FunctionName: { Ref: awardsFn },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    const env = awardsFnProps.Environment.Variables;
    expect(env).toMatchObject({
      SWITCH_FLOW_ARN: { Ref: expect.stringMatching(/^SwitchFlow/) },
      TABLE_NAME: expect.anything(),
    });
    control.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: awardsFnProps.Role['Fn::GetAtt'][0] }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'states:StartExecution',
            Resource: { Ref: Match.stringLikeRegexp('^SwitchFlow') },
          }),
        ]),
      },
    });
  });

  it('alarms on the awards DLQ’s depth', () => {
    // Prepare: the DLQ's name as the monitoring stack imports it.
    const dlq = control.toJSON().Resources[awardsQueue].Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    const alarms = Object.values(monitoring.findResources('AWS::CloudWatch::Alarm')).filter(
      (a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
    );

    // Assess
    const watched = alarms.map((a) => JSON.stringify(a.Properties.Dimensions));
    expect(watched.some((d) => d.includes(dlq))).toBe(true);
    expect(Stack.of(stacks.control.awardsQueue)).toBe(stacks.control);
  });

  it('is clean under cdk-nag', () => {
    expect(() => app.synth()).not.toThrow();
  });
});

describe('the QSE principal named in the context', () => {
  it('may send to the awards queue, and nothing is granted without it', () => {
    // Prepare
    const qse = 'arn:aws:iam::210987654321:role/qse-awards';
    const flags = JSON.parse(readFileSync('cdk.json', 'utf8')).context;
    const withQse = buildApp(
      new App({
        context: { ...flags, hcp: { ...TEST_CONTEXT, qseAwardsSenderArn: qse }, 'aws:cdk:bundling-stacks': [] },
      }),
    );
    const sendStatement = Match.objectLike({
      Effect: 'Allow',
      Principal: { AWS: qse },
      Action: Match.arrayWith(['sqs:SendMessage']),
    });

    // Assess
    Template.fromStack(withQse.control).hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([sendStatement]) },
    });
    const policies = control.findResources('AWS::SQS::QueuePolicy');
    expect(JSON.stringify(policies)).not.toContain('sqs:SendMessage');
    expect(() => parseAppContext({ ...TEST_CONTEXT, qseAwardsSenderArn: 'qse' })).toThrow('hcp.qseAwardsSenderArn');
  });
});
