import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EvidenceBucket } from '../../stacks/constructs/evidence-bucket.js';
import { apiTemplate, synthesizedApp } from './app-fixture.js';

const { app, stacks } = synthesizedApp();

describe('the M&V evidence bucket', () => {
  it('locks every object in compliance mode for 7 years by default, versioned, TLS only, private, logged', () => {
    const data = apiTemplate(stacks.api);
    data.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'evidence/' }),
    });
    data.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
  });

  it('takes its retention from configuration', () => {
    // Prepare
    const local = new App();
    const stack = new Stack(local, 'S');
    // Act
    new EvidenceBucket(stack, 'Evidence', { retentionDays: 3650 });
    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 3650 } },
      },
    });
  });

  it('lets only the evidence route put and read evidence, and never delete it or bypass the lock', () => {
    const api = apiTemplate(stacks.api);
    const evidenceFn = stacks.api.routes.functions.get('getGridEventEvidence')!;
    const listFn = stacks.api.routes.functions.get('listGridEvents')!;
    const policies = api.findResources('AWS::IAM::Policy');
    const statementsOf = (roleLogicalId: string) =>
      Object.values(policies)
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleLogicalId))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>);
    const actions = (roleLogicalId: string) => statementsOf(roleLogicalId).flatMap((s) => [s.Action].flat());
    const evidenceRole = Stack.of(evidenceFn).getLogicalId(evidenceFn.fn.role!.node.defaultChild as never);
    const listRole = Stack.of(listFn).getLogicalId(listFn.fn.role!.node.defaultChild as never);
    expect(actions(evidenceRole)).toEqual(
      expect.arrayContaining(['s3:PutObject', 's3:PutObjectRetention', 's3:GetObject']),
    );
    // The audit record is a write: the evidence route has the table's item writes even though it is a GET.
    expect(actions(evidenceRole)).toEqual(expect.arrayContaining(['dynamodb:PutItem']));
    const forbidden = ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention', 's3:*'];
    for (const action of forbidden) expect(actions(evidenceRole)).not.toContain(action);
    expect(actions(listRole).some((a) => a.startsWith('s3:'))).toBe(false);
    api.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ EVIDENCE_BUCKET: Match.anyValue(), EVIDENCE_RETENTION_DAYS: '2555' }),
      },
    });
  });

  it('records grid events from the sites’ grid topics and the markets’ signals through one IoT rule', () => {
    const iot = Template.fromStack(stacks.iot);
    iot.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: Match.objectLike({
        Sql: Match.stringLikeRegexp(
          "FROM 'hcp/v1/\\+/\\+/\\+' WHERE \\(topic\\(3\\) = 'sites' AND topic\\(5\\) = 'grid'\\)",
        ),
        Actions: [{ Lambda: { FunctionArn: Match.anyValue() } }],
        ErrorAction: Match.objectLike({ Sqs: Match.anyValue() }),
      }),
    });
    iot.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'hcp-grid-events', TABLE_NAME: Match.anyValue() }),
      },
    });
  });

  it('passes cdk-nag on its own', () => {
    const local = new App();
    const stack = new Stack(local, 'S');
    new EvidenceBucket(stack, 'Evidence');
    Validations.of(local).addPlugins(new AwsSolutionsChecks(local));
    expect(() => local.synth()).not.toThrow();
  });

  it('keeps the whole app free of unacknowledged cdk-nag findings', () => {
    expect(() => app.synth()).not.toThrow();
  });
});
