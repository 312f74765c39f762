import { App, NestedStack, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { HcpStacks } from '../../bin/app.js';
import { parseAppContext, regionPlan } from '../../bin/config.js';
import { IotStack } from '../../stacks/iot-stack.js';
import { appWith, TEST_CONTEXT } from './app-fixture.js';

const { region: _single, ...base } = TEST_CONTEXT;
const apiDomain = { hostedZoneId: 'Z0123456789ABC', zoneName: 'example.com', recordName: 'api.example.com' };
const { app, stacks } = appWith({ ...base, regions: ['us-east-2', 'us-west-2'], apiDomain });
const standby = stacks.standbys[0]!;

describe('regions: [primary, standby]', () => {
  it('builds each region its stacks, clean under cdk-nag', () => {
    // Prepare // Act
    const assembly = app.synth();
    // Assess
    const byRegion = (region: string) =>
      assembly.stacks
        .filter((s) => s.environment.region === region)
        .map((s) => s.stackName)
        .sort();
    expect(byRegion('us-east-2')).toEqual([
      'Hcp-test-Api',
      'Hcp-test-Control',
      'Hcp-test-Data',
      'Hcp-test-Iot',
      'Hcp-test-Monitoring',
    ]);
    expect(byRegion('us-west-2')).toEqual(
      ['Api', 'Control', 'Iot', 'Keys', 'Monitoring', 'Replica'].map((s) => `Hcp-test-us-west-2-${s}`),
    );
  });

  it('replicates the platform table to the standby, encrypted there with the standby’s own key', () => {
    const data = Template.fromStack(stacks.data);
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'hcp-test',
      Replicas: Match.arrayWith([
        Match.objectLike({ Region: 'us-west-2', SSESpecification: { KMSMasterKeyId: Match.anyValue() } }),
        Match.objectLike({ Region: 'us-east-2' }),
      ]),
    });
    Template.fromStack(standby.keys).hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/hcp-test-data' });
  });

  it('keeps the site leases in an MRSC table: a replica per region and the region set’s witness', () => {
    Template.fromStack(stacks.data).hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      TableName: 'hcp-test-site-leases',
      MultiRegionConsistency: 'STRONG',
      GlobalTableWitnesses: [{ Region: 'us-east-1' }],
      Replicas: Match.arrayWith([Match.objectLike({ Region: 'us-west-2' }), Match.objectLike({ Region: 'us-east-2' })]),
    });
  });

  it('points every region’s SwitchFlow steps at the lease table and runs a lease keeper each minute', () => {
    for (const control of [stacks.control, standby.control]) {
      const t = Template.fromStack(control);
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({ LEASE_TABLE_NAME: Match.anyValue(), PRIMARY_REGION: 'us-east-2' }),
        },
      });
      t.hasResourceProperties('AWS::Scheduler::Schedule', {
        Description: 'HCP site lease keeper',
        ScheduleExpression: 'rate(1 minute)',
      });
      const steps = t.findResources('AWS::Lambda::Function', {
        Properties: {
          Environment: {
            Variables: Match.objectLike({
              LEASE_TABLE_NAME: Match.anyValue(),
              COMMAND_SIGNING_KEY_ID: Match.anyValue(),
            }),
          },
        },
      });
      expect(Object.keys(steps).length).toBeGreaterThanOrEqual(7);
    }
  });

  it('drives the audit chainer and the router from the stream in the primary only (the standby’s are disabled)', () => {
    const mappings = (stack: typeof stacks.control) =>
      Object.values(Template.fromStack(stack).findResources('AWS::Lambda::EventSourceMapping')).filter(
        (m) => (m as { Properties: { StartingPosition?: string } }).Properties.StartingPosition !== undefined,
      ) as Array<{ Properties: { Enabled?: boolean } }>;
    expect(mappings(stacks.control).map((m) => m.Properties.Enabled)).toEqual([undefined, undefined]);
    expect(mappings(standby.control).map((m) => m.Properties.Enabled)).toEqual([false, false]);
  });

  it('lets each region’s lease keeper switch its own stream mappings, and nothing else', () => {
    for (const control of [stacks.control, standby.control]) {
      // Prepare
      const t = Template.fromStack(control);
      const mappingIds = Object.entries(t.findResources('AWS::Lambda::EventSourceMapping'))
        .filter(([, m]) => (m as { Properties: { StartingPosition?: string } }).Properties.StartingPosition)
        .map(([logicalId]) => logicalId)
        .sort();
      // Act
      const keepers = Object.entries(
        t.findResources('AWS::Lambda::Function', {
          Properties: { Environment: { Variables: Match.objectLike({ STREAM_MAPPING_IDS: Match.anyValue() }) } },
        }),
      );
      const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties
            .PolicyDocument.Statement,
      );
      const switching = statements.filter((s) => JSON.stringify(s.Action).includes('lambda:UpdateEventSourceMapping'));
      // Assess: one keeper names both mappings; one statement grants read+update on exactly their ARNs.
      expect(keepers).toHaveLength(1);
      const named = JSON.stringify(keepers[0]![1]);
      expect(mappingIds.every((id) => named.includes(id))).toBe(true);
      expect(switching).toHaveLength(1);
      expect(switching[0]!.Action).toEqual(['lambda:GetEventSourceMapping', 'lambda:UpdateEventSourceMapping']);
      const resources = JSON.stringify(switching[0]!.Resource);
      expect(resources).not.toContain('*');
      expect(mappingIds.every((id) => resources.includes(id))).toBe(true);
    }
  });

  it('saves a region’s plan only under its leases: persist reads them, and a fenced plan ends the run', () => {
    for (const control of [stacks.control, standby.control]) {
      const t = Template.fromStack(control);
      const machines = JSON.stringify(t.findResources('AWS::StepFunctions::StateMachine'));
      expect(machines).toContain('\\"PlanFenced\\":{\\"Type\\":\\"Succeed\\"}');
      const optimizerLeaseReaders = t.findResources('AWS::Lambda::Function', {
        Properties: {
          Environment: {
            Variables: Match.objectLike({
              LEASE_TABLE_NAME: Match.anyValue(),
              POWERTOOLS_SERVICE_NAME: 'hcp-optimizer',
            }),
          },
        },
      });
      expect(Object.keys(optimizerLeaseReaders)).toHaveLength(2);
    }
  });

  it('ends a region’s OptimizeFlow that holds no site lease before it plans (its prepare step reads the leases)', () => {
    for (const control of [stacks.control, standby.control]) {
      const t = Template.fromStack(control);
      const machines = JSON.stringify(t.findResources('AWS::StepFunctions::StateMachine'));
      expect(machines).toContain('\\"NotLeaseHolder\\":{\\"Type\\":\\"Succeed\\"}');
      t.hasResourceProperties('AWS::Lambda::Function', {
        Handler: Match.anyValue(),
        Environment: {
          Variables: Match.objectLike({ LEASE_TABLE_NAME: Match.anyValue(), POWERTOOLS_SERVICE_NAME: 'hcp-optimizer' }),
        },
      });
    }
  });

  it('names the API once: a failover record per region, each on a health check of its own API', () => {
    const primary = Template.fromStack(stacks.api);
    const secondary = Template.fromStack(standby.api);
    for (const [t, role] of [
      [primary, 'PRIMARY'],
      [secondary, 'SECONDARY'],
    ] as const) {
      t.hasResourceProperties('AWS::Route53::RecordSet', {
        Name: 'api.example.com.',
        Type: 'A',
        Failover: role,
        HealthCheckId: Match.anyValue(),
        AliasTarget: Match.objectLike({ EvaluateTargetHealth: true }),
      });
      t.hasResourceProperties('AWS::Route53::HealthCheck', {
        HealthCheckConfig: Match.objectLike({ Type: 'HTTPS', ResourcePath: '/live/v1/health' }),
      });
    }
  });

  it('onboards a gateway into both regions’ registries: the other region’s names and rights on its things', () => {
    const pairs = [
      [stacks.api, standby.iot, 'us-west-2'],
      [standby.api, stacks.iot, 'us-east-2'],
    ] as const;
    for (const [api, otherIot, otherRegion] of pairs) {
      // Prepare: the names the other region's IoT stack gives its policy, group and role alias.
      const iotTemplate = Template.fromStack(otherIot);
      const named = (type: string, field: string) =>
        Object.values(iotTemplate.findResources(type)).map(
          (r) => (r as { Properties: Record<string, unknown> }).Properties[field],
        );
      // Act
      // The API's route functions live in nested stacks, one per tag.
      const templates = [api, ...api.node.findAll().filter((c) => c instanceof NestedStack)].map((c) =>
        Template.fromStack(c as Stack),
      );
      const onboarding = templates.flatMap((t) =>
        Object.values(
          t.findResources('AWS::Lambda::Function', {
            Properties: { Environment: { Variables: Match.objectLike({ GATEWAY_OTHER_REGIONS: Match.anyValue() }) } },
          }),
        ),
      ) as Array<{ Properties: { Environment: { Variables: { GATEWAY_OTHER_REGIONS: string } } } }>;
      const policies = JSON.stringify(templates.map((t) => t.findResources('AWS::IAM::Policy')));
      // Assess
      expect(onboarding.length).toBeGreaterThanOrEqual(1);
      for (const fn of onboarding) {
        const [other] = JSON.parse(fn.Properties.Environment.Variables.GATEWAY_OTHER_REGIONS);
        expect(other.region).toBe(otherRegion);
        expect(named('AWS::IoT::Policy', 'PolicyName')).toContain(other.policyName);
        expect(named('AWS::IoT::ThingGroup', 'ThingGroupName')).toContain(other.thingGroupName);
        expect(named('AWS::IoT::RoleAlias', 'RoleAlias')).toContain(other.roleAlias);
      }
      expect(policies).toContain('iot:RegisterCertificateWithoutCA');
      expect(policies).toContain(`:iot:${otherRegion}:`);
      expect(policies).toContain(
        `thinggroup/${JSON.parse(onboarding[0]!.Properties.Environment.Variables.GATEWAY_OTHER_REGIONS)[0].thingGroupName}`,
      );
    }
  });

  it('grants each region’s site history Lambda exactly the other region’s store, by the names that store deploys with', () => {
    for (const [here, there, other] of [
      [stacks, standby, 'us-west-2'],
      [standby, stacks, 'us-east-2'],
    ] as const) {
      // The other region's store as its IoT stack deploys it: workgroup, database, key alias
      const store = Template.fromStack(there.iot);
      const workGroup = Object.values(store.findResources('AWS::Athena::WorkGroup'))[0]!.Properties.Name as string;
      const database = Object.values(store.findResources('AWS::Glue::Database'))[0]!.Properties.DatabaseInput.Name;
      const alias = Object.values(store.findResources('AWS::KMS::Alias'))[0]!.Properties.AliasName as string;
      expect(alias).toBe(`alias/${workGroup}`);
      // What the history Lambda is granted in the other region
      const statements = routeStatements(here.api, 'getSiteTelemetry');
      // (statements with the same actions are merged: their resources are read one by one)
      const resources = statements
        .flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r)))
        .filter((r) => r.includes(other));
      const named = (...parts: string[]) => resources.filter((r) => parts.every((p) => r.includes(p)));
      expect(named(`:athena:${other}:`, `workgroup/${workGroup}`)).toHaveLength(1);
      expect(named(`:glue:${other}:`, ':catalog')).toHaveLength(1);
      expect(named(`:glue:${other}:`, `database/${database}`)).toHaveLength(1);
      expect(named(`:glue:${other}:`, `table/${database}/`)).toHaveLength(3);
      expect(named(`-tlm-`, other)).toHaveLength(2); // the data bucket and its objects
      expect(named(`-tlmq-`, other)).toHaveLength(2); // the results bucket and its objects
      expect(named(`:kms:${other}:`, ':key/*')).toHaveLength(1);
      // Nothing wider: every resource is one of those, and the key only by the store's alias
      expect(resources).toHaveLength(11);
      const keyGrant = statements.find((s) => JSON.stringify(s.Resource).includes(`:kms:${other}:`))!;
      expect([keyGrant.Resource].flat()).toHaveLength(1);
      expect(keyGrant.Condition).toEqual({
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': alias },
      });
      const env = routeEnvironment(here.api, 'getSiteTelemetry');
      expect(JSON.parse(env.TELEMETRY_OTHER_REGIONS as string)).toEqual([{ region: other, workGroup, database }]);
      // The fleet KPIs are not merged: their Lambda gets nothing of the other region
      expect(JSON.stringify(routeStatements(here.api, 'getFleetKpis'))).not.toContain(other);
      expect(routeEnvironment(here.api, 'getFleetKpis').TELEMETRY_OTHER_REGIONS).toBeUndefined();
    }
  });

  it('lists both regions for every core’s nucleus failover, primary first, endpoints read in each region', () => {
    for (const iot of [stacks.iot, standby.iot]) {
      // Prepare
      const template = Template.fromStack(iot);
      // Act
      const failover = telemetryMerge(template).telemetry.nucleusFailover;
      // Assess
      expect(failover.regions.map((r) => [r.region, r.roleAlias])).toEqual([
        ['us-east-2', 'Hcp-test-Iot-token-exchange'],
        ['us-west-2', 'Hcp-test-us-west-2-Iot-token-exchange'],
      ]);
      const calls = describeEndpointCalls(template);
      for (const r of failover.regions) {
        expect(calls[r.dataEndpoint]).toEqual({ region: r.region, endpointType: 'iot:Data-ATS' });
        expect(calls[r.credentialEndpoint]).toEqual({ region: r.region, endpointType: 'iot:CredentialProvider' });
      }
      expect(Object.keys(calls)).toHaveLength(4);
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: [{ Action: 'iot:DescribeEndpoint', Effect: 'Allow', Resource: '*' }] },
      });
    }
  });

  it('gives every gateway both regions’ command keys', () => {
    for (const iot of [stacks.iot, standby.iot]) {
      const text = JSON.stringify(Template.fromStack(iot).findResources('AWS::GreengrassV2::Deployment'));
      expect(text.match(/\\"kid\\"/g)).toHaveLength(2);
    }
  });
});

describe('one region', () => {
  it('gives the history no other region’s store and its key no alias', () => {
    const single = appWith(TEST_CONTEXT).stacks;
    expect(Template.fromStack(single.iot).findResources('AWS::KMS::Alias')).toEqual({});
    expect(routeEnvironment(single.api, 'getSiteTelemetry').TELEMETRY_OTHER_REGIONS).toBeUndefined();
    expect(JSON.stringify(routeStatements(single.api, 'getSiteTelemetry'))).not.toContain('us-west-2');
  });

  it('leaves the nucleus failover’s regions empty: no endpoint look-up, the recipe’s default', () => {
    const template = Template.fromStack(appWith(TEST_CONTEXT).stacks.iot);
    expect(describeEndpointCalls(template)).toEqual({});
    expect(template.findResources('Custom::AWS')).toEqual({});
    const deployment = Object.values(template.findResources('AWS::GreengrassV2::Deployment'))[0]!;
    expect(deployment.Properties.Components['com.hcp.Telemetry'].ConfigurationUpdate).toBeUndefined();
  });
});

describe('the IoT stack’s gateway regions', () => {
  it.each([
    [[{ region: 'us-west-2', roleAlias: 'Hcp-test-us-west-2-Iot-token-exchange' }], 'got null'],
    [[{ region: 'us-east-2', roleAlias: 'Hcp-other-Iot-token-exchange' }], 'Hcp-other-Iot-token-exchange'],
  ])('refuses a list without this region under its own role alias (%#)', (gatewayRegions, named) => {
    // Prepare
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const props = {
      env: { region: 'us-east-2' },
      siteIds: ['site-west-1'],
      table: dynamodb.Table.fromTableName(new Stack(app, 'Data', { env: { region: 'us-east-2' } }), 'T', 'hcp-test'),
      commandKey: { kid: 'k1', publicKeyPem: 'pem' },
      gatewayRegions,
    };
    // Act // Assess
    expect(() => new IotStack(app, 'Hcp-test-Iot', props)).toThrow(
      new RegExp(`gatewayRegions: must list us-east-2 with role alias Hcp-test-Iot-token-exchange .*${named}`),
    );
  });
});

interface FailoverRegion {
  region: string;
  dataEndpoint: string;
  credentialEndpoint: string;
  roleAlias: string;
}

/**
 * com.hcp.Telemetry's configuration merge in the stack's Greengrass deployment, its deploy-time values written
 * `<logicalId.attribute>` (a `Fn::Join` of text and `Fn::GetAtt`s in the template).
 */
function telemetryMerge(template: Template): { telemetry: { nucleusFailover: { regions: FailoverRegion[] } } } {
  const deployment = Object.values(template.findResources('AWS::GreengrassV2::Deployment'))[0]!;
  const merge = deployment.Properties.Components['com.hcp.Telemetry'].ConfigurationUpdate.Merge;
  const parts: unknown[] = typeof merge === 'string' ? [merge] : merge['Fn::Join'][1];
  const text = parts
    .map((p) => (typeof p === 'string' ? p : `<${(p as { 'Fn::GetAtt': string[] })['Fn::GetAtt'].join('.')}>`))
    .join('');
  return JSON.parse(text);
}

/** The stack's IoT DescribeEndpoint custom resources by their answer, `<logicalId.endpointAddress>`. */
function describeEndpointCalls(template: Template): Record<string, { region: string; endpointType: string }> {
  const calls: Record<string, { region: string; endpointType: string }> = {};
  for (const [id, resource] of Object.entries(template.findResources('Custom::AWS'))) {
    const call = JSON.parse(resource.Properties.Create);
    if (call.action !== 'DescribeEndpoint') continue;
    calls[`<${id}.endpointAddress>`] = { region: call.region, endpointType: call.parameters.endpointType };
  }
  return calls;
}

type Statement = { Resource: unknown; Condition?: unknown };

/** The statements of a route Lambda's role policy, resolved. */
function routeStatements(api: HcpStacks['api'], operationId: string): Statement[] {
  const role = api.routes.functions.get(operationId)!.fn.role as iam.Role;
  const policy = role.node.findChild('DefaultPolicy') as iam.Policy;
  return Stack.of(policy).resolve(policy.document.toJSON()).Statement;
}

/** A route Lambda's environment, resolved. */
function routeEnvironment(api: HcpStacks['api'], operationId: string): Record<string, unknown> {
  const fn = api.routes.functions.get(operationId)!.fn.node.defaultChild as CfnFunction;
  return (Stack.of(fn).resolve(fn.environment) as { variables: Record<string, unknown> }).variables;
}

describe('the regions context', () => {
  it.each([
    [
      { ...base, regions: ['us-east-2', 'eu-west-1'] },
      'hcp.regions: the site lease needs all regions in one MRSC region set',
    ],
    [{ ...base, regions: ['us-east-2', 'us-east-2'] }, 'hcp.regions: each region once'],
    [{ ...base, region: 'us-west-2', regions: ['us-east-2', 'us-west-2'] }, 'hcp.region: must be the primary'],
    [{ ...base, regions: ['us-east-2', 'us-west-2'], leaseWitnessRegion: 'us-west-2' }, 'hcp.leaseWitnessRegion'],
    [{ ...base }, 'hcp.region: required'],
    [{ ...TEST_CONTEXT, apiDomain: { ...apiDomain, hostedZoneId: 'nope' } }, 'hcp.apiDomain.hostedZoneId'],
  ])('refuses a bad regions context and names the field (%#)', (context, message) => {
    expect(() => parseAppContext(context)).toThrow(message);
  });

  it('picks the MRSC witness from the pair’s region set, and none for one or three regions', () => {
    expect(regionPlan(parseAppContext({ ...base, regions: ['us-east-2', 'us-west-2'] }))).toEqual({
      primary: 'us-east-2',
      standbys: ['us-west-2'],
      leaseWitness: 'us-east-1',
    });
    expect(regionPlan(parseAppContext(TEST_CONTEXT))).toEqual({ primary: 'us-east-2', standbys: [] });
  });
});
