import { Match, Template } from 'aws-cdk-lib/assertions';
import { COMMAND_VALID_FOR_MS } from '../../core/switching/command.js';
import { OPTIMIZE_STATES, SWITCH_STATES } from '../../functions/shared/flow-states.js';
import { isTokenTask, listTaskStates } from '../../sim/local/stepfunctions/runner.js';
import { extractAsl } from '../../sim/local/stepfunctions/template-asl.js';
import { synthesizedApp } from './app-fixture.js';

const { stacks } = synthesizedApp();
const control = Template.fromStack(stacks.control);
const templateJson = control.toJSON();

type State = Record<string, unknown> & {
  Retry?: Array<Record<string, unknown>>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
};
const statesOf = (prefix: string) => {
  const definition = extractAsl(templateJson, prefix) as unknown as { States: Record<string, State> };
  return definition.States;
};

describe('control stack flows', () => {
  const machines = ['SwitchFlow', 'OptimizeFlow'];

  it.each(machines)('%s is JSONPath only, traced and logged', (prefix) => {
    // Act
    const definition = extractAsl(templateJson, prefix) as unknown as Record<string, unknown>;

    // Assess
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(JSON.stringify(definition)).not.toContain('JSONata');
    control.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });

  it('gives every task-token state a heartbeat, a timeout and a Catch of every error', () => {
    // Prepare
    const tokenStates = machines.flatMap((prefix) =>
      listTaskStates(extractAsl(templateJson, prefix) as unknown as { States: Record<string, unknown> }).filter((t) =>
        isTokenTask(t.state),
      ),
    );

    // Assess
    expect(tokenStates.map((t) => t.name)).toEqual([SWITCH_STATES.publish]);
    for (const { state } of tokenStates as Array<{ state: State }>) {
      expect(state.HeartbeatSeconds).toEqual(expect.any(Number));
      expect(state.TimeoutSeconds).toEqual(expect.any(Number));
      expect(state.HeartbeatSeconds as number).toBeLessThan(state.TimeoutSeconds as number);
      // A command expires before the wait does, so the gateway's `expired` ack still reaches the flow.
      expect((state.TimeoutSeconds as number) * 1000).toBeGreaterThan(COMMAND_VALID_FOR_MS);
      expect(state.Catch).toContainEqual(expect.objectContaining({ ErrorEquals: ['States.ALL'] }));
    }
  });

  it('routes every SwitchFlow failure after the lock through Compensate and a lock release', () => {
    // Prepare
    const states = statesOf('SwitchFlow');
    const guarded = [
      SWITCH_STATES.drain,
      SWITCH_STATES.prepare,
      SWITCH_STATES.publish,
      SWITCH_STATES.resync,
      SWITCH_STATES.commit,
    ];

    // Assess
    for (const name of guarded) {
      expect(states[name]?.Catch?.at(-1)).toEqual(
        expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: SWITCH_STATES.compensate }),
      );
    }
    // A stale-seq refusal or a resync request resynchronises and prepares a new command before anything compensates.
    expect(states[SWITCH_STATES.publish]?.Catch?.[0]).toEqual(
      expect.objectContaining({ ErrorEquals: ['Ack.StaleSeq', 'Ack.ResyncRequired'], Next: SWITCH_STATES.resync }),
    );
    expect(states[SWITCH_STATES.resync]?.Next).toBe(SWITCH_STATES.prepare);
    expect(states[SWITCH_STATES.compensate]?.Next).toBe(SWITCH_STATES.releaseAfterFailure);
    expect(states[SWITCH_STATES.compensate]?.Catch?.[0]?.Next).toBe(SWITCH_STATES.releaseAfterFailure);
    expect(states[SWITCH_STATES.releaseAfterFailure]?.Next).toBe(SWITCH_STATES.failed);
    expect(states[SWITCH_STATES.failed]?.Type).toBe('Fail');
  });

  it('retries Lambda steps with exponential backoff, full jitter and a cap', () => {
    // Prepare
    const states = { ...statesOf('SwitchFlow'), ...statesOf('OptimizeFlow') };
    const lambdaStates = Object.entries(states).filter(
      ([, s]) => s.Type === 'Task' && String(s.Resource).includes(':lambda:'),
    );

    // Assess
    expect(lambdaStates.length).toBeGreaterThanOrEqual(8);
    for (const [, state] of lambdaStates) {
      const jittered = (state.Retry ?? []).filter((r) => r.JitterStrategy === 'FULL');
      expect(jittered.length).toBeGreaterThan(0);
      for (const retrier of jittered) {
        expect(retrier).toMatchObject({
          BackoffRate: 2,
          MaxDelaySeconds: expect.any(Number),
          MaxAttempts: expect.any(Number),
        });
      }
    }
  });

  it('starts one SwitchFlow per changed site, fire-and-forget, with an idempotent execution name', () => {
    // Prepare
    const map = statesOf('OptimizeFlow')[OPTIMIZE_STATES.switchSites] as State & {
      ItemProcessor: { States: Record<string, State> };
    };

    // Act
    const start = map.ItemProcessor.States[OPTIMIZE_STATES.startSwitch]!;

    // Assess
    expect(start.Resource).toMatch(/:states:::states:startExecution$/);
    expect(JSON.stringify(start.Parameters)).toContain("States.Format('{}-v{}'");
  });

  it('starts OptimizeFlow every 5 minutes from EventBridge Scheduler with a dead-letter queue', () => {
    // Assess
    control.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Target: Match.objectLike({
        Arn: Match.objectLike({ Ref: Match.stringLikeRegexp('^OptimizeFlowStateMachine') }),
        DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
      }),
    });
  });

  it('refits the price forecaster every 6 hours, 15 minutes past, from EventBridge Scheduler with a dead-letter queue', () => {
    // Assess
    control.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(15 0/6 * * ? *)',
      Target: Match.objectLike({
        Arn: Match.objectLike({ 'Fn::GetAtt': [Match.stringLikeRegexp('^ForecastRefitRefitFn'), 'Arn'] }),
        DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
      }),
    });
    control.hasResourceProperties('AWS::Lambda::Function', {
      Handler: Match.anyValue(),
      Environment: Match.objectLike({ Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'hcp-optimizer' }) }),
      MemorySize: 1024,
    });
  });

  it('routes acks from an IoT rule to a Lambda allowed to settle SwitchFlow tokens, with DLQs on both hops', () => {
    // Assess
    control.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: Match.objectLike({
        Sql: "SELECT * FROM 'hcp/v1/sites/+/acks' WHERE siteId = topic(4)",
        Actions: [Match.objectLike({ Lambda: Match.anyValue() })],
        ErrorAction: Match.objectLike({ Sqs: Match.anyValue() }),
      }),
    });
    control.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    control.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess'],
          }),
        ]),
      },
    });
  });

  it("routes the gateways' local switches from an IoT rule to a Lambda that may only put items, with DLQs", () => {
    // Prepare: the local-switch function's role policy.
    const rules = control.findResources('AWS::IoT::TopicRule', {
      Properties: {
        TopicRulePayload: Match.objectLike({
          Sql: "SELECT * FROM 'hcp/v1/sites/+/events' WHERE siteId = topic(4) AND type = 'local-switch'",
        }),
      },
    });
    const policies = Object.values(control.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('LocalSwitchFn'),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);

    // Assess
    expect(Object.keys(rules)).toHaveLength(1);
    const rule = Object.values(rules)[0]!.Properties.TopicRulePayload;
    expect(rule.Actions).toEqual([expect.objectContaining({ Lambda: expect.anything() })]);
    expect(rule.ErrorAction).toEqual(expect.objectContaining({ Sqs: expect.anything() }));
    const dynamo = statements.filter((st) => JSON.stringify(st.Action).includes('dynamodb:'));
    expect(dynamo.map((st) => st.Action)).toEqual(['dynamodb:PutItem']);
    const kms = statements.find((st) => JSON.stringify(st.Action).includes('kms:'));
    expect(kms?.Action).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
  });

  it('encrypts every dead-letter queue and refuses plain HTTP to it', () => {
    // Prepare
    const queues = control.findResources('AWS::SQS::Queue');

    // Assess
    expect(Object.keys(queues).length).toBeGreaterThanOrEqual(4);
    for (const queue of Object.values(queues)) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    control.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('ingests market data every minute, relays prices to the market signal topics, with a DLQ', () => {
    // Assess
    control.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({ DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }) }),
    });
    control.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'iot:Publish',
            Resource: Match.objectLike({
              'Fn::Join': Match.arrayWith([Match.arrayWith([':topic/hcp/v1/market/*/signals'])]),
            }),
          }),
        ]),
      },
    });
  });
});

describe('command signing key', () => {
  it('signs with one ECC P-256 key of the data stack, which only the two command-building steps may use', () => {
    // Prepare
    const data = Template.fromStack(stacks.data);
    const keys = data.findResources('AWS::KMS::Key', {
      Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
    });
    const policies = Object.values(control.findResources('AWS::IAM::Policy')) as Array<{
      Properties: { PolicyName: unknown; Roles: Array<{ Ref: string }>; PolicyDocument: { Statement: unknown[] } };
    }>;

    // Act
    const signers = policies
      .filter((p) => p.Properties.PolicyDocument.Statement.some((s) => JSON.stringify(s).includes('kms:Sign')))
      .flatMap((p) => p.Properties.Roles.map((r) => r.Ref));
    const anyKmsWildcard = policies.some((p) =>
      p.Properties.PolicyDocument.Statement.some((s) => JSON.stringify(s).match(/"kms:\*"|"Resource":"\*".*kms:Sign/)),
    );

    // Assess
    expect(Object.keys(keys)).toHaveLength(1);
    expect(control.findResources('AWS::KMS::Key', { Properties: { KeyUsage: 'SIGN_VERIFY' } })).toEqual({});
    expect(signers).toHaveLength(2);
    expect(signers.every((r) => /PrepareCommandFn|CompensateFn/.test(r))).toBe(true);
    expect(anyKmsWildcard).toBe(false);
  });

  it("deploys the signing key's public half to every SwitchAgent, read back by a reader that may only get it", () => {
    // Prepare
    const data = Template.fromStack(stacks.data);
    const iot = Template.fromStack(stacks.iot);
    const [deployment] = Object.values(iot.findResources('AWS::GreengrassV2::Deployment')) as Array<{
      Properties: { Components: Record<string, { ConfigurationUpdate?: { Merge: unknown } }> };
    }>;
    const dataPolicies = Object.values(data.findResources('AWS::IAM::Policy')).map((p) => JSON.stringify(p));

    // Act
    const merge = JSON.stringify(deployment?.Properties.Components['com.hcp.SwitchAgent']?.ConfigurationUpdate?.Merge);
    const kmsGrants = dataPolicies.filter((p) => p.includes('"kms:'));

    // Assess
    expect(merge).toContain('commandKeys');
    expect(merge).toContain('PublicKeyPem');
    expect(kmsGrants).toHaveLength(1);
    expect(kmsGrants[0]).toContain('kms:GetPublicKey');
    expect(kmsGrants[0]).not.toMatch(/kms:Sign|kms:\*|kms:Decrypt/);
  });
});
