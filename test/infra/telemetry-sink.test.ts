import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseAppContext } from '../../bin/config.js';
import { TELEMETRY_TABLES } from '../../core/telemetry-history/records.js';
import { HcpFunction } from '../../stacks/constructs/hcp-function.js';
import { heartbeatRowSql, IcebergTelemetrySink } from '../../stacks/constructs/iceberg-telemetry-sink.js';
import { apiTemplate, appWith, synthesizedApp, TEST_CONTEXT } from './app-fixture.js';

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every statement of the IAM policies attached to `roleLogicalId` in `template`. */
function statementsOf(template: Template, roleLogicalId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleLogicalId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

function resourceTypes(app: App): string[] {
  return app.node.children
    .filter((c): c is Stack => c instanceof Stack)
    .flatMap((stack) => Object.values(Template.fromStack(stack).toJSON().Resources ?? {}))
    .map((r) => (r as { Type: string }).Type);
}

describe('the default telemetry sink: IoT rule → Firehose → Iceberg (S3 + Glue), queried with Athena', () => {
  const { app, stacks } = synthesizedApp();
  const iot = Template.fromStack(stacks.iot);

  it('is the sink when the context names none, and no Timestream resource is synthesized', () => {
    expect(parseAppContext(TEST_CONTEXT).telemetrySink).toBe('iceberg');
    const types = resourceTypes(app);
    expect(types).toContain('AWS::KinesisFirehose::DeliveryStream');
    expect(types.filter((t) => t.startsWith('AWS::Timestream::'))).toEqual([]);
  });

  it('has one Iceberg v2 table per history table, identity-partitioned by site and day', () => {
    for (const name of ['site_series', 'device_series', 'fleet_events']) {
      iot.hasResourceProperties('AWS::Glue::Table', {
        Name: name,
        OpenTableFormatInput: {
          IcebergInput: {
            MetadataOperation: 'CREATE',
            Version: '2',
            IcebergTableInput: Match.objectLike({
              PartitionSpec: {
                SpecId: 0,
                Fields: [
                  Match.objectLike({ Name: 'site', Transform: 'identity' }),
                  Match.objectLike({ Name: 'day', Transform: 'identity' }),
                ],
              },
            }),
          },
        },
      });
    }
    // The columns are the history's records (core/telemetry-history/records.ts), typed for Iceberg.
    const table = Object.values(iot.findResources('AWS::Glue::Table')).find(
      (t) => t.Properties.Name === 'fleet_events',
    );
    const fields = table?.Properties.OpenTableFormatInput.IcebergInput.IcebergTableInput.Schema.Fields;
    expect(fields.map((f: { Name: string; Type: string }) => `${f.Name}:${f.Type}`)).toEqual([
      'scenario:string',
      'at_ms:long',
      'kind:string',
      'source:string',
      'latency_ms:double',
      'ok:boolean',
      'site:string',
      'day:string',
    ]);
  });

  it('delivers each table through a CMK-encrypted Firehose stream, failed rows to the error bucket', () => {
    iot.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 3);
    iot.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: Match.anyValue() },
      IcebergDestinationConfiguration: Match.objectLike({
        AppendOnly: true,
        // CloudFormation spells this one property of the Iceberg destination with a lower-case s.
        s3BackupMode: 'FailedDataOnly',
        DestinationTableConfigurationList: [Match.objectLike({ DestinationTableName: 'device_series' })],
        S3Configuration: Match.objectLike({ EncryptionConfiguration: Match.anyValue() }),
        CloudWatchLoggingOptions: Match.objectLike({ Enabled: true }),
      }),
    });
  });

  it('puts every heartbeat into fleet_events without a Lambda, with the gateway’s own time and UTC day', () => {
    const sql = heartbeatRowSql();
    expect(sql).toContain('topic(4) AS site');
    expect(sql).toContain(`parse_time("yyyy-MM-dd", time_to_epoch(at, "yyyy-MM-dd'T'HH:mm:ss.SSSX")) AS day`);
    expect(sql).toContain(`time_to_epoch(at, "yyyy-MM-dd'T'HH:mm:ss.SSSX") AS at_ms`);
    expect(sql).toContain("'heartbeat' AS kind");
    iot.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: Match.objectLike({
        Sql: `SELECT ${sql} FROM 'hcp/v1/sites/+/heartbeat' WHERE siteId = topic(4)`,
        Actions: [{ Firehose: Match.objectLike({ BatchMode: false, DeliveryStreamName: Match.anyValue() }) }],
        ErrorAction: { Sqs: Match.anyValue() },
      }),
    });
  });

  it('puts gateway acks and local switches into fleet_events through one Lambda that may put into that stream only', () => {
    // Prepare: the function that names the events stream, and the stream's logical id.
    const [fnId, fn] = Object.entries(iot.findResources('AWS::Lambda::Function')).find(([, f]) =>
      JSON.stringify(f.Properties.Environment ?? {}).includes('TELEMETRY_EVENTS_STREAM'),
    ) ?? [undefined, undefined];
    expect(fn).toBeDefined();
    const stream = fn?.Properties.Environment.Variables.TELEMETRY_EVENTS_STREAM as { Ref: string };
    const fleetStream = Object.entries(iot.findResources('AWS::KinesisFirehose::DeliveryStream')).find(([, d]) =>
      JSON.stringify(d).includes('"DestinationTableName":"fleet_events"'),
    )?.[0];
    expect(stream.Ref).toBe(fleetStream);

    // Assess: its Firehose grant names that stream only, and it may touch no table or other store.
    const role = JSON.stringify(fn?.Properties.Role).match(/"Fn::GetAtt":\["([^"]+)"/)?.[1] as string;
    const statements = statementsOf(iot, role);
    const firehose = statements.filter((st) => actionsOf([st]).some((a) => a.startsWith('firehose:')));
    expect(firehose.flatMap((st) => [st.Resource].flat())).toEqual([{ 'Fn::GetAtt': [fleetStream, 'Arn'] }]);
    expect(actionsOf(statements).filter((a) => /^(dynamodb|s3|timestream|athena):/.test(a))).toEqual([]);

    // Assess: the two rules, acks past their receipt and local-switch events, each on its own site's topic.
    const rules = Object.values(iot.findResources('AWS::IoT::TopicRule')).filter((r) =>
      JSON.stringify(r.Properties.TopicRulePayload.Actions).includes(fnId as string),
    );
    expect(rules.map((r) => r.Properties.TopicRulePayload.Sql).sort()).toEqual([
      "SELECT * FROM 'hcp/v1/sites/+/acks' WHERE siteId = topic(4) AND status <> 'received'",
      "SELECT * FROM 'hcp/v1/sites/+/events' WHERE siteId = topic(4) AND type = 'local-switch'",
    ]);
    for (const rule of rules) expect(rule.Properties.TopicRulePayload.ErrorAction.Sqs).toBeDefined();
    expect(
      Object.keys(
        iot.findResources('AWS::Lambda::Permission', { Properties: { Principal: 'iot.amazonaws.com' } }),
      ).filter((id) => id.startsWith('SwitchTelemetry')),
    ).toHaveLength(2);
  });

  it('lets the API canary record its probes into fleet_events, and nothing else of the history', () => {
    const monitoring = Template.fromStack(stacks.monitoring);
    const canary = Object.values(monitoring.findResources('AWS::Synthetics::Canary'))[0];
    expect(canary?.Properties.RunConfig.EnvironmentVariables.PROBE_STREAM).toBeDefined();
    expect(canary?.Properties.Code.Script).toContain('PutRecordCommand');
    const puts = Object.values(monitoring.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
      .filter((st) => actionsOf([st]).some((a) => a.startsWith('firehose:')));
    expect(puts.map((st) => st.Action)).toEqual(['firehose:PutRecord']);
    // The stream's ARN comes from the IoT stack (an import), as does the name the canary is told.
    expect(JSON.stringify(puts[0]?.Resource)).toContain('Fn::ImportValue');
    expect(() => app.synth()).not.toThrow();
  });

  it('keeps the data in a KMS-encrypted, TLS-only, logged bucket: 30 days hot, then Standard-IA, expired at 400', () => {
    iot.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }),
          }),
        ],
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'Data/' }),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'device_series/data/',
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
            ExpirationInDays: 400,
          }),
        ]),
      },
    });
  });

  it('pages on the first row Firehose could not deliver, and on the heartbeat rule’s dead letters', () => {
    iot.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'DeliveryErrors/' }),
      MetricsConfigurations: [{ Id: 'Writes' }],
    });
    const monitoring = Template.fromStack(stacks.monitoring);
    monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/S3',
      MetricName: 'PutRequests',
      Dimensions: Match.arrayWith([{ Name: 'FilterId', Value: 'Writes' }]),
      Threshold: 1,
      AlarmActions: Match.anyValue(),
    });
    expect(stacks.iot.deadLetterQueues.length).toBeGreaterThanOrEqual(6);
  });

  it('queries through an Athena workgroup with encrypted results and a bytes-scanned cutoff it enforces', () => {
    iot.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 1024 * 1024 * 1024,
        EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
        ResultConfiguration: Match.objectLike({
          EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: Match.anyValue() },
        }),
      }),
    });
  });

  it('lets the device consumer put rows into the site and device streams and no other', () => {
    const fn = Object.entries(iot.findResources('AWS::Lambda::Function')).find(([, f]) =>
      JSON.stringify(f.Properties.Environment ?? {}).includes('TELEMETRY_DEVICE_STREAM'),
    );
    expect(fn).toBeDefined();
    const env = fn?.[1].Properties.Environment.Variables;
    expect(env.TELEMETRY_SINK).toBe('iceberg');
    const role = JSON.stringify(fn?.[1].Properties.Role).match(/"Fn::GetAtt":\["([^"]+)"/)?.[1] as string;
    const puts = statementsOf(iot, role).filter((s) => actionsOf([s]).includes('firehose:PutRecordBatch'));
    expect(puts.flatMap((s) => [s.Resource].flat().map((r) => JSON.stringify(r))).sort()).toEqual(
      [env.TELEMETRY_DEVICE_STREAM, env.TELEMETRY_SITE_STREAM]
        .map((ref: { Ref: string }) => JSON.stringify({ 'Fn::GetAtt': [ref.Ref, 'Arn'] }))
        .sort(),
    );
    expect(actionsOf(statementsOf(iot, role)).filter((a) => a.startsWith('timestream:'))).toEqual([]);
  });

  it('lets the history routes’ Lambdas, and no other API Lambda, run Athena queries', () => {
    const api = apiTemplate(stacks.api);
    const athenaRoles = Object.values(api.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('athena:StartQueryExecution'))
      .map((p) => JSON.stringify(p.Properties.Roles));
    const roleOf = (operationId: string) => {
      const role = stacks.api.routes.functions.get(operationId)!.fn.role!.node.defaultChild as CfnElement;
      return Stack.of(role).getLogicalId(role);
    };
    expect(athenaRoles).toHaveLength(2);
    for (const id of ['getSiteTelemetry', 'getFleetKpis'])
      expect(athenaRoles.some((roles) => roles.includes(roleOf(id)))).toBe(true);
  });
});

describe('the history Lambda’s access to the Iceberg sink (grantHistoryQuery)', () => {
  // Prepare: the sink and a function in a small app with cdk-nag, as the API stack would hold them.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const env = { region: 'us-east-2', account: '123456789012' };
  const sinkStack = new Stack(app, 'S', { env });
  const sink = new IcebergTelemetrySink(sinkStack, 'Telemetry', { tables: TELEMETRY_TABLES, bytesScannedLimitMb: 200 });
  // Another stack, as the history route lives in the API stack: the grant crosses stacks.
  const stack = new Stack(app, 'Api', { env });
  const fn = new HcpFunction(stack, 'History', { entry: 'functions/api/health.ts', serviceName: 'hcp-history' });
  // Act
  sink.grantHistoryQuery(fn);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const template = Template.fromStack(stack);
  const role = stack.getLogicalId(fn.fn.role?.node.defaultChild as never);
  const statements = statementsOf(template, role);

  it('runs queries in the history’s workgroup only, and reads the three tables’ catalog entries only', () => {
    const athena = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('athena:')));
    expect(actionsOf(athena).sort()).toEqual([
      'athena:GetQueryExecution',
      'athena:GetQueryResults',
      'athena:StartQueryExecution',
      'athena:StopQueryExecution',
    ]);
    expect(JSON.stringify(athena.map((s) => s.Resource))).toContain(':workgroup/');
    const glue = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('glue:')));
    expect(actionsOf(glue).sort()).toEqual(['glue:GetDatabase', 'glue:GetTable']);
    const glueResources = JSON.stringify(glue.map((s) => s.Resource));
    for (const table of ['site_series', 'device_series', 'fleet_events'])
      expect(glueResources).toContain(`:table/s_telemetry/${table}`);
    expect(glueResources).not.toContain('*');
  });

  it('reads the data, never writes or deletes it; writes only its results', () => {
    const s3 = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
    const onData = s3.filter((s) => JSON.stringify(s.Resource).includes('s-tlm-'));
    expect(actionsOf(onData).sort()).toEqual(['s3:GetBucketLocation', 's3:GetObject', 's3:ListBucket']);
    expect(actionsOf(s3)).not.toContain('s3:DeleteObject');
  });

  it('tells the function the workgroup, its limit and the tables, and passes cdk-nag', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TELEMETRY_ATHENA_WORKGROUP: Match.anyValue(),
          TELEMETRY_ATHENA_SCAN_LIMIT_MB: '200',
          TELEMETRY_GLUE_DATABASE: 's_telemetry',
          TELEMETRY_SITE_TABLE: 'site_series',
          TELEMETRY_DEVICE_TABLE: 'device_series',
          TELEMETRY_EVENTS_TABLE: 'fleet_events',
        }),
      },
    });
    Template.fromStack(sinkStack).hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 200 * 1024 * 1024 }),
    });
    expect(() => app.synth()).not.toThrow();
  });

  it('moves data to Standard-IA and expires it when the context says', () => {
    const local = new Stack(new App(), 'L');
    new IcebergTelemetrySink(local, 'T', {
      tables: TELEMETRY_TABLES,
      lifecycle: { infrequentAccessAfterDays: 60, expireAfterDays: 200 },
    });
    Template.fromStack(local).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'site_series/data/',
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 60 }],
            ExpirationInDays: 200,
          }),
        ]),
      },
    });
  });
});

describe('telemetrySink: timestream (accounts that have it)', () => {
  const { app, stacks } = appWith({ ...TEST_CONTEXT, telemetrySink: 'timestream' });
  const iot = Template.fromStack(stacks.iot);

  it('synthesizes the Timestream path under cdk-nag, with no Firehose or Iceberg resource', () => {
    expect(() => app.synth()).not.toThrow();
    const types = resourceTypes(app);
    expect(types).toContain('AWS::Timestream::Table');
    expect(types).not.toContain('AWS::KinesisFirehose::DeliveryStream');
    expect(types).not.toContain('AWS::Glue::Table');
  });

  it('turns magnetic-store writes on, with the rejected records in an encrypted bucket that pages', () => {
    iot.hasResourceProperties('AWS::Timestream::Table', {
      MagneticStoreWriteProperties: {
        EnableMagneticStoreWrites: true,
        MagneticStoreRejectedDataLocation: {
          S3Configuration: Match.objectLike({ BucketName: Match.anyValue(), EncryptionOption: 'SSE_KMS' }),
        },
      },
    });
    Template.fromStack(stacks.monitoring).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/S3',
      MetricName: 'PutRequests',
    });
  });

  it('sends what the site rule cannot write to a dead-letter queue, not only to logs', () => {
    iot.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: Match.objectLike({
        Sql: Match.stringLikeRegexp("FROM 'hcp/v1/sites/\\+/telemetry'"),
        Actions: [Match.objectLike({ Timestream: Match.anyValue() })],
        ErrorAction: { Sqs: Match.anyValue() },
      }),
    });
    iot.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TELEMETRY_SINK: 'timestream' }) },
    });
  });

  it('records no switches or probes: this sink has no fleet_events', () => {
    expect(JSON.stringify(iot.toJSON())).not.toContain('TELEMETRY_EVENTS_STREAM');
    const canary = Object.values(Template.fromStack(stacks.monitoring).findResources('AWS::Synthetics::Canary'))[0];
    expect(canary?.Properties.RunConfig.EnvironmentVariables.PROBE_STREAM).toBeUndefined();
  });

  it('gives the history routes no Athena access (they answer 503: this sink has no Athena history)', () => {
    const template = apiTemplate(stacks.api);
    const api = JSON.stringify(template.toJSON());
    expect(api).not.toContain('athena:');
    expect(api).not.toContain('TELEMETRY_ATHENA_WORKGROUP');
    // They are told the sink, so their 503 names it and what it lacks.
    const apiFunctions = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(
      apiFunctions.filter((f) => f.Properties.Environment?.Variables?.TELEMETRY_SINK === 'timestream'),
    ).toHaveLength(2);
  });
});
