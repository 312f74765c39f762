import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DeadLetterQueue } from '../../stacks/constructs/dead-letter-queue.js';
import { HcpFunction } from '../../stacks/constructs/hcp-function.js';
import { PartnerOverflow } from '../../stacks/constructs/partner-overflow.js';

const PARTNERS = ['partner-virtual', 'partner-exaion'];

/**
 * The construct in a stack of its own with cdk-nag (the whole app's synth also carries it, in the control stack: see
 * stacks/control-stack.ts; test/infra/api.test.ts runs that one).
 */
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new Stack(app, 'Partners');
const table = new dynamodb.TableV2(stack, 'Table', {
  partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
  sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
  pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
});
const router = new HcpFunction(stack, 'WorkloadRoutingRouteFn', {
  entry: 'functions/routing/route-handler.ts',
  serviceName: 'hcp-routing',
});
const bidClearing = new HcpFunction(stack, 'OptimizeFlowPersistFn', {
  entry: 'functions/optimizer/persist.ts',
  serviceName: 'hcp-optimizer',
});
new PartnerOverflow(stack, 'PartnerOverflow', {
  table,
  router,
  eventsQueue: new DeadLetterQueue(stack, 'Events').queue,
  partnerIds: PARTNERS,
  bidClearing,
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const control = Template.fromStack(stack);

type Resource = { Properties: Record<string, any> };
const resources = (type: string): Array<[string, Resource]> =>
  Object.entries(control.findResources(type) as Record<string, Resource>);

const fnId = (name: string) =>
  resources('AWS::Lambda::Function')
    .map(([id]) => id)
    .find((id) => id.includes(name) && !id.includes('EventSource'))!;

function statementsOf(id: string): Array<Record<string, any>> {
  const roleRef = control.toJSON().Resources[id].Properties.Role['Fn::GetAtt'][0] as string;
  return resources('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleRef))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
}

const mentions = (statement: Record<string, any>, action: string) => JSON.stringify(statement.Action).includes(action);

describe('partner overflow in AWS', () => {
  it('keeps one secret per partner, readable by the partner runner only, each by its own ARN', () => {
    // Prepare
    const secrets = resources('AWS::SecretsManager::Secret').map(([id]) => id);
    const runner = fnId('PartnerOverflowRunFn');

    // Act
    const reads = resources('AWS::IAM::Policy')
      .flatMap(([, p]) => (p.Properties.PolicyDocument.Statement as Array<Record<string, any>>).map((s) => ({ s, p })))
      .filter(({ s }) => mentions(s, 'secretsmanager:GetSecretValue'));

    // Assess: two secrets, no wildcard resource, and no other role reads them
    expect(secrets).toHaveLength(PARTNERS.length);
    const runnerRole = control.toJSON().Resources[runner].Properties.Role['Fn::GetAtt'][0];
    for (const { s, p } of reads) {
      expect(p.Properties.Roles).toEqual([{ Ref: runnerRole }]);
      expect(secrets.map((id) => ({ Ref: id }))).toContainEqual(s.Resource);
    }
    expect(reads).toHaveLength(PARTNERS.length);
    const env = control.toJSON().Resources[runner].Properties.Environment.Variables;
    for (const id of PARTNERS) expect(JSON.stringify(env.PARTNER_SECRETS)).toContain(id);
  });

  it('lets the router invoke the runner, gives the runner 15 minutes and a DLQ after two retries', () => {
    // Prepare
    const router = fnId('WorkloadRoutingRouteFn');
    const runner = fnId('PartnerOverflowRunFn');

    // Assess
    const invokes = statementsOf(router).filter((s) => mentions(s, 'lambda:InvokeFunction'));
    expect(JSON.stringify(invokes)).toContain(runner);
    expect(control.toJSON().Resources[router].Properties.Environment.Variables.PARTNER_RUNNER_FUNCTION).toEqual({
      Ref: runner,
    });
    expect(control.toJSON().Resources[runner].Properties.Timeout).toBe(900);
    control.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: runner },
      MaximumRetryAttempts: 2,
    });
    expect(statementsOf(runner).some((s) => mentions(s, 'secretsmanager:*'))).toBe(false);
  });

  it('lets the bid clearing hand partner fills to the runner and tell the customer, and read no secret', () => {
    // Prepare
    const persist = fnId('OptimizeFlowPersistFn');
    const runner = fnId('PartnerOverflowRunFn');
    // Act
    const statements = statementsOf(persist);
    const env = control.toJSON().Resources[persist].Properties.Environment.Variables;
    // Assess
    expect(JSON.stringify(statements.filter((s) => mentions(s, 'lambda:InvokeFunction')))).toContain(runner);
    expect(statements.some((s) => mentions(s, 'sqs:SendMessage'))).toBe(true);
    expect(statements.some((s) => mentions(s, 'secretsmanager'))).toBe(false);
    expect(env.PARTNER_RUNNER_FUNCTION).toEqual({ Ref: runner });
    expect(env.WORKLOAD_EVENTS_QUEUE_URL).toBeDefined();
  });

  it('is clean under cdk-nag', () => {
    expect(() => app.synth()).not.toThrow();
  });
});
