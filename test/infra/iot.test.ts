import { Match, Template } from 'aws-cdk-lib/assertions';
import { gatewayPolicyDocument } from '../../stacks/constructs/gateway-policy.js';
import { GATEWAY_THING_TYPE } from '../../stacks/iot-stack.js';
import { synthesizedApp } from './app-fixture.js';

const { stacks } = synthesizedApp();
const iot = Template.fromStack(stacks.iot);

type Statement = { Effect: string; Action: string; Resource: string | string[]; Condition?: unknown };

describe('gateway IoT policy', () => {
  const document = gatewayPolicyDocument('aws', 'us-east-2', '123456789012', 'hcp-iot-token-exchange');
  const statements = document.Statement as Statement[];
  const resources = (action: string) =>
    statements
      .filter((s) => s.Action === action)
      .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));

  it('lets a gateway connect only as its own thing, with its certificate attached', () => {
    // Act
    const connect = statements.find((s) => s.Action === 'iot:Connect');

    // Assess
    expect(connect?.Resource).toEqual([
      'arn:aws:iot:us-east-2:123456789012:client/${iot:Connection.Thing.ThingName}',
      'arn:aws:iot:us-east-2:123456789012:client/${iot:Connection.Thing.ThingName}#*',
    ]);
    expect(connect?.Condition).toEqual({ Bool: { 'iot:Connection.Thing.IsAttached': 'true' } });
  });

  it('scopes every site topic it publishes or subscribes to by its thing name', () => {
    // Act
    const siteResources = [
      ...resources('iot:Publish'),
      ...resources('iot:Subscribe'),
      ...resources('iot:Receive'),
    ].filter((r) => r.includes('/sites/'));

    // Assess
    expect(siteResources.length).toBeGreaterThanOrEqual(8);
    for (const resource of siteResources) expect(resource).toContain('sites/${iot:Connection.Thing.ThingName}/');
    expect(resources('iot:Publish').every((r) => !r.endsWith('/commands'))).toBe(true);
  });

  it('lets the Greengrass nucleus take deployments on its own thing channels and trade its certificate for the role alias only', () => {
    // Act
    const nucleusTopics = [...resources('iot:Publish'), ...resources('iot:Subscribe')].filter((r) =>
      r.includes('$aws/things/'),
    );

    // Assess: the jobs channels (publish, subscribe) and the site-configuration shadow's 8 topics, each named.
    expect(nucleusTopics.filter((t) => t.includes('/jobs/'))).toHaveLength(2);
    const shadowTopics = nucleusTopics.filter((t) => t.includes('/shadow/'));
    expect(shadowTopics).toHaveLength(8);
    for (const topic of shadowTopics) expect(topic).toContain('/shadow/name/hcp-site-config/');
    expect(shadowTopics.some((t) => t.endsWith('*'))).toBe(false);
    expect(nucleusTopics).toHaveLength(10);
    for (const topic of nucleusTopics) expect(topic).toContain('$aws/things/${iot:Connection.Thing.ThingName}/');
    expect(resources('iot:AssumeRoleWithCertificate')).toEqual([
      'arn:aws:iot:us-east-2:123456789012:rolealias/hcp-iot-token-exchange',
    ]);
    const wildcardResources = statements.filter((s) => s.Resource === '*').map((s) => s.Action);
    expect(wildcardResources.every((a) => a.startsWith('greengrass:'))).toBe(true);
  });

  it('only allows, and names every action without a wildcard', () => {
    // Assess
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.Action).not.toContain('*');
    }
  });

  it('is deployed as one IoT policy', () => {
    // Assess
    iot.resourceCountIs('AWS::IoT::Policy', 1);
  });
});

describe('iot stack', () => {
  it('declares the gateway thing type and one thing per site carrying its site id', () => {
    // Assess
    iot.hasResourceProperties('AWS::IoT::ThingType', { ThingTypeName: GATEWAY_THING_TYPE });
    iot.hasResourceProperties('AWS::IoT::Thing', {
      ThingName: 'site-south-1',
      AttributePayload: { Attributes: { siteId: 'site-south-1' } },
    });
    iot.resourceCountIs('AWS::IoT::ThingGroup', 1);
  });

  it('creates no certificate: gateways are provisioned out of band', () => {
    // Assess
    iot.resourceCountIs('AWS::IoT::Certificate', 0);
  });

  it('queues telemetry batches for the per-device consumer, with a DLQ on the rule and on the queue', () => {
    // Assess
    iot.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: Match.objectLike({
        Sql: Match.stringLikeRegexp("FROM 'hcp/v1/sites/\\+/telemetry'"),
        Actions: [Match.objectLike({ Sqs: Match.anyValue() })],
        ErrorAction: Match.objectLike({ Sqs: Match.anyValue() }),
      }),
    });
    iot.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }),
    });
    iot.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('lets the telemetry consumer publish the high-water mark on every site’s telemetry-acks topic and no other', () => {
    // Prepare
    const publishes = Object.values(iot.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
      .filter((s) => s.Action === 'iot:Publish')
      .map((s) => JSON.stringify(s.Resource));

    // Assess
    expect(publishes).toHaveLength(1);
    expect(publishes[0]).toContain(':topic/hcp/v1/sites/*/telemetry-acks');
  });

  it('keeps the latest gateway state in the table by a rule with no Lambda in the path', () => {
    // Assess
    iot.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: Match.objectLike({
        Sql: Match.stringLikeRegexp("concat\\('GATEWAY#', gatewayId\\) AS sk"),
        Actions: [Match.objectLike({ DynamoDBv2: Match.objectLike({ PutItem: Match.anyValue() }) })],
        ErrorAction: Match.objectLike({ Sqs: Match.anyValue() }),
      }),
    });
  });

  it('gives every topic rule an error action', () => {
    // Prepare
    const rules = Object.values(iot.findResources('AWS::IoT::TopicRule'));

    // Assess
    expect(rules.length).toBeGreaterThanOrEqual(4);
    for (const rule of rules) expect(rule.Properties.TopicRulePayload.ErrorAction).toBeDefined();
  });

  it('deploys the gateway components to the thing group, with a token exchange role alias for their artifacts', () => {
    // Prepare
    const [groupId] = Object.keys(iot.findResources('AWS::IoT::ThingGroup'));

    // Assess
    iot.hasResourceProperties('AWS::GreengrassV2::Deployment', {
      TargetArn: { 'Fn::GetAtt': [groupId, 'Arn'] },
    });
    iot.resourceCountIs('AWS::GreengrassV2::ComponentVersion', 3);
    iot.hasResourceProperties('AWS::IoT::RoleAlias', { RoleArn: Match.anyValue() });
    iot.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'credentials.iot.amazonaws.com' } })],
      }),
    });
  });
});
