import { Match, Template } from 'aws-cdk-lib/assertions';
import { apiTemplate, synthesizedApp } from './app-fixture.js';

const { app, stacks } = synthesizedApp();
const template = (stack: 'data' | 'api' | 'control' | 'iot' | 'monitoring') => Template.fromStack(stacks[stack]);

describe('the whole app under cdk-nag', () => {
  it('synthesizes with AwsSolutions checks and no unacknowledged finding', () => {
    // app.synth() throws when cdk-nag reports an error that is not acknowledged.
    expect(() => app.synth()).not.toThrow();
  });
});

describe('data stack', () => {
  it('encrypts the table with a rotated customer key, with PITR, TTL and deletion protection', () => {
    const data = template('data');
    data.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      TimeToLiveSpecification: { AttributeName: 'expiresAtEpochS', Enabled: true },
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'gsi1' })],
    });
  });
});

describe('api stack', () => {
  // The API stack with its nested route-function stacks.
  const api = apiTemplate(stacks.api);

  it('runs its Lambda on nodejs24.x, arm64, traced, with Powertools settings and JSON logs', () => {
    api.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'hcp-api' }) },
    });
  });

  it('keeps Lambda logs for a bounded time', () => {
    api.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('gives the function role no AWS managed policy and only its own log group', () => {
    const roles = api.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
        }),
      },
    });
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    api.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow' }),
        ]),
      },
    });
  });

  it('serves GET /v1/health through a Lambda proxy integration', () => {
    api.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'health' });
    api.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      Integration: Match.objectLike({ Type: 'AWS_PROXY' }),
    });
  });

  it('logs access, traces, and sits behind WAF with a rate limit', () => {
    api.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    api.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([Match.objectLike({ Name: 'ip-rate-limit', Action: { Block: {} } })]),
    });
    api.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });
});

describe('control stack', () => {
  it('publishes switching commands and waits for the ack with a heartbeat and a timeout', () => {
    const control = template('control');
    const [machine] = Object.values(control.findResources('AWS::StepFunctions::StateMachine'));
    const definition = JSON.stringify(machine?.Properties.DefinitionString);
    expect(definition).toContain('aws-sdk:iotdata:publish.waitForTaskToken');
    expect(definition).toContain('HeartbeatSeconds');
    expect(definition).toContain('TimeoutSeconds');
    expect(definition).not.toContain('JSONata');
    control.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  it('lets the flow publish only to site command topics', () => {
    const control = template('control');
    control.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'iot:Publish',
            Resource: Match.objectLike({
              'Fn::Join': Match.arrayWith([Match.arrayWith([':topic/hcp/v1/sites/*/commands'])]),
            }),
          }),
        ]),
      },
    });
  });
});

describe('iot stack', () => {
  const iot = template('iot');

  it('creates one thing per configured site and a thing group', () => {
    iot.resourceCountIs('AWS::IoT::Thing', 2);
    iot.hasResourceProperties('AWS::IoT::Thing', { ThingName: 'site-west-1' });
    iot.resourceCountIs('AWS::IoT::ThingGroup', 1);
  });

  it('routes heartbeats to the Iceberg history by an IoT rule into Firehose, with an error action', () => {
    iot.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: Match.objectLike({
        Sql: Match.stringLikeRegexp("FROM 'hcp/v1/sites/\\+/heartbeat'"),
        Actions: [Match.objectLike({ Firehose: Match.anyValue() })],
        ErrorAction: Match.objectLike({ Sqs: Match.anyValue() }),
      }),
    });
  });
});

describe('monitoring stack', () => {
  it('alarms on API 5xx, Lambda errors and failed flows into an encrypted SNS topic', () => {
    const monitoring = template('monitoring');
    monitoring.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError' });
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Namespace: 'AWS/Lambda' });
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsFailed' });
    monitoring.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
