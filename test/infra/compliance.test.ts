import { type App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { acknowledgementsIn, PLATFORM_ACKNOWLEDGEMENTS } from '../../stacks/constructs/nag.js';
import { WAF_REDACTED_HEADERS } from '../../stacks/constructs/web-acl.js';
import { appWith, synthesizedApp, TEST_CONTEXT } from './app-fixture.js';

const { app } = synthesizedApp();
// Every stack, nested ones included (the API's routes may live in nested stacks).
const templates = app.node
  .findAll()
  .filter((c): c is Stack => Stack.isStack(c))
  .map((stack) => Template.fromStack(stack));

/** Both packs' findings on `scope`, synthesized first as `cdk synth` does (nested-stack references resolved). */
const findingsOf = (scope: App) => {
  try {
    scope.synth();
  } catch {}
  return [new AwsSolutionsChecks(scope), new NIST80053R5Checks(scope)].flatMap((pack) =>
    pack.validateScope(scope).violations.map((v) => `${v.ruleName}: ${v.violatingResources[0]?.constructPath}`),
  );
};

const resourcesOf = (type: string) =>
  templates.flatMap((t) => Object.entries(t.findResources(type)).map(([id, r]) => ({ id, props: r.Properties })));

describe('cdk-nag: AwsSolutions and NIST 800-53 rev 5 on the whole app (#30 item 3)', () => {
  it('leaves no unacknowledged finding of either pack, in every optional shape of the app', () => {
    // Prepare: each context option that adds resources (telemetry sink, market source, alarm e-mail, QSE sender).
    const variants = {
      timestream: { telemetrySink: 'timestream' },
      ercot: { market: { kind: 'ercot', nodes: ['HB_WEST'] } },
      csv: {
        market: { kind: 'csv', bucketName: 'hcp-market', priceKeys: { HB_WEST: 'w.csv' }, hashpriceKey: 'h.csv' },
      },
      alarms: { alarmEmail: 'ops@example.com', qseAwardsSenderArn: 'arn:aws:iam::210987654321:role/qse-awards' },
      regions: { region: undefined, regions: ['us-east-2', 'us-west-2'] },
    };

    // Act
    const findings = Object.fromEntries(
      Object.entries(variants).map(([name, extra]) => [name, findingsOf(appWith({ ...TEST_CONTEXT, ...extra }).app)]),
    );

    // Assess
    expect(findingsOf(app)).toEqual([]);
    expect(findings).toEqual({ timestream: [], ercot: [], csv: [], alarms: [], regions: [] });
  });

  it('runs the NIST pack from the app itself, so `cdk synth` fails on a new finding', () => {
    // Prepare: a bucket with no encryption, versioning or logging, added after the app was built.
    const { app: planted, stacks: plantedStacks } = appWith(TEST_CONTEXT);
    const { Bucket } = require('aws-cdk-lib/aws-s3');
    new Bucket(plantedStacks.monitoring, 'Planted', { enforceSSL: true });

    // Act + Assess
    expect(() => planted.synth()).toThrow(/NIST\.800\.53\.R5-S3BucketVersioningEnabled/);
  });

  it('gives every NIST acknowledgement a reason of its own (no reason shared by two rules)', () => {
    // Prepare
    const acknowledgements = acknowledgementsIn(app);
    const nist = acknowledgements.filter((a) => a.id.startsWith('NIST.800.53.R5-'));
    const rulesByReason = new Map<string, Set<string>>();
    for (const { id, reason } of nist) rulesByReason.set(reason, (rulesByReason.get(reason) ?? new Set()).add(id));

    // Assess
    expect(nist.length).toBeGreaterThan(100);
    expect(acknowledgements.filter((a) => a.reason.length < 40).map((a) => a.reason)).toEqual([]);
    expect([...rulesByReason].filter(([, rules]) => rules.size > 1).map(([reason]) => reason)).toEqual([]);
    expect(acknowledgements.filter((a) => a.path === '').map((a) => a.id)).toEqual(
      Object.keys(PLATFORM_ACKNOWLEDGEMENTS).sort(),
    );
  });
});

describe('what the NIST findings were fixed with', () => {
  it('encrypts every log group with its stack’s customer-managed KMS key, which rotates', () => {
    for (const template of templates) {
      // Prepare
      const logGroups = Object.entries(template.findResources('AWS::Logs::LogGroup'));
      const keys = Object.entries(template.findResources('AWS::KMS::Key')).filter(([, k]) =>
        JSON.stringify(k.Properties.Description).includes('CloudWatch Logs'),
      );
      if (logGroups.length === 0) continue;

      // Assess
      expect(keys).toHaveLength(1);
      const [keyId, key] = keys[0]!;
      expect(key.Properties.EnableKeyRotation).toBe(true);
      for (const [id, group] of logGroups)
        expect([id, group.Properties.KmsKeyId]).toEqual([id, { 'Fn::GetAtt': [keyId, 'Arn'] }]);
    }
    expect(resourcesOf('AWS::Logs::LogGroup').length).toBeGreaterThan(80);
  });

  it('keeps execution data out of the state machines’ logs', () => {
    // Prepare
    const machines = resourcesOf('AWS::StepFunctions::StateMachine');

    // Assess
    expect(machines.length).toBeGreaterThanOrEqual(2);
    for (const m of machines) expect([m.id, m.props.LoggingConfiguration.IncludeExecutionData]).toEqual([m.id, false]);
  });

  it('logs WAF decisions to an aws-waf-logs-* group with the credential headers redacted', () => {
    // Prepare
    const [logging] = resourcesOf('AWS::WAFv2::LoggingConfiguration');
    const groupId = JSON.stringify(logging?.props.LogDestinationConfigs).match(/"Ref":"(WafLogs[A-Z0-9]+)"/)?.[1];
    const group = resourcesOf('AWS::Logs::LogGroup').find((g) => g.id === groupId);

    // Assess
    expect(logging?.props.RedactedFields).toEqual(WAF_REDACTED_HEADERS.map((Name) => ({ SingleHeader: { Name } })));
    expect(group?.props.LogGroupName).toBe('aws-waf-logs-Hcp-test-Api');
  });

  it('keeps previous versions of access logs and telemetry objects', () => {
    // Prepare
    const buckets = resourcesOf('AWS::S3::Bucket').filter((b) => !b.id.includes('Artifacts'));

    // Assess
    expect(buckets.length).toBeGreaterThanOrEqual(6);
    expect(buckets.filter((b) => b.props.VersioningConfiguration?.Status !== 'Enabled').map((b) => b.id)).toEqual([]);
  });

  it('bounds concurrency upstream of the functions (the LambdaConcurrency acknowledgement)', () => {
    // Prepare
    const [stage] = resourcesOf('AWS::ApiGateway::Stage');
    const machines = resourcesOf('AWS::StepFunctions::StateMachine').map((m) =>
      JSON.stringify(m.props.DefinitionString),
    );
    const maps = machines.flatMap((d) => [...d.matchAll(/\\"Type\\":\\"Map\\"/g)]).length;
    const bounded = machines.flatMap((d) => [...d.matchAll(/\\"MaxConcurrency\\":(\d+)/g)].map((m) => Number(m[1])));

    // Assess: the stage throttle caps every route; each Map state caps its fan-out.
    expect(stage?.props.MethodSettings).toEqual(
      expect.arrayContaining([expect.objectContaining({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 })]),
    );
    expect(maps).toBeGreaterThanOrEqual(2);
    expect(bounded).toHaveLength(maps);
    for (const limit of bounded) expect(limit).toBeGreaterThan(0);
  });

  it('sends what an asynchronously invoked function fails on to an SQS queue (the LambdaDLQ acknowledgement)', () => {
    // Prepare: functions IoT rules and EventBridge Scheduler invoke (both asynchronous); schedules also start state
    // machines, which are not functions.
    const functionIds = new Set(resourcesOf('AWS::Lambda::Function').map((f) => f.id));
    const arnRef = (arn: unknown) => (arn as { 'Fn::GetAtt'?: string[] })?.['Fn::GetAtt']?.[0] ?? '';
    const asyncTargets = new Set(
      [
        ...resourcesOf('AWS::IoT::TopicRule').flatMap((r) =>
          (r.props.TopicRulePayload.Actions as { Lambda?: { FunctionArn: unknown } }[]).map((a) =>
            arnRef(a.Lambda?.FunctionArn),
          ),
        ),
        ...resourcesOf('AWS::Scheduler::Schedule').map((s) => arnRef(s.props.Target.Arn)),
      ].filter((id) => functionIds.has(id)),
    );
    const withOnFailure = new Set(
      resourcesOf('AWS::Lambda::EventInvokeConfig')
        .filter((c) => c.props.DestinationConfig?.OnFailure?.Destination)
        .map((c) => (c.props.FunctionName as { Ref: string }).Ref),
    );

    // Assess
    expect(asyncTargets.size).toBeGreaterThanOrEqual(6);
    expect([...asyncTargets].filter((fn) => !withOnFailure.has(fn))).toEqual([]);
  });
});
