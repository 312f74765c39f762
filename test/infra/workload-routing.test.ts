import { Match, Template } from 'aws-cdk-lib/assertions';
import { ROUTING_PENDING_PARTITION } from '../../functions/shared/data/job-store.js';
import { synthesizedApp, TEST_CONTEXT } from './app-fixture.js';

const { stacks } = synthesizedApp();
const control = Template.fromStack(stacks.control);
const data = Template.fromStack(stacks.data);

type Resource = { Properties: Record<string, any> };
const resources = (type: string): Array<[string, Resource]> =>
  Object.entries(control.findResources(type) as Record<string, Resource>);

/** The logical id of the one function whose construct path contains `name` (e.g. `RouteFn`). */
function functionId(name: string): string {
  const ids = resources('AWS::Lambda::Function')
    .map(([id]) => id)
    .filter((id) => id.startsWith('WorkloadRouting') && id.includes(name) && !id.includes('EventSource'));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

/** Every statement of the policies attached to a function's role. */
function statementsOf(fnId: string): Array<Record<string, any>> {
  const roleRef = control.toJSON().Resources[fnId].Properties.Role['Fn::GetAtt'][0] as string;
  return resources('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleRef))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
}

const actionsOf = (statement: Record<string, any>): string[] => [statement.Action].flat();

const siteQueues = () =>
  resources('AWS::SQS::Queue').filter(([id]) => /^WorkloadRoutingSiteJobs/.test(id) && !id.includes('Dlq'));

describe('workload routing in AWS', () => {
  it('gives every site one job queue, with a DLQ after 5 receives, and lets the DLQ be redriven', () => {
    // Prepare
    const queues = siteQueues();

    // Assess: one queue whatever the deployment's site list, so a site registered later needs no resource.
    expect(TEST_CONTEXT.sites.length).toBeGreaterThan(1);
    expect(queues).toHaveLength(1);
    for (const [, queue] of queues) {
      expect(queue.Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringContaining('Dlq'), 'Arn'] },
        maxReceiveCount: 5,
      });
      const dlqId = queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;
      const dlq = control.toJSON().Resources[dlqId].Properties;
      expect(dlq.RedriveAllowPolicy).toEqual({ redrivePermission: 'allowAll' });
      expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
  });

  it('encrypts every routing queue and refuses plain HTTP to it', () => {
    // Prepare
    const queues = resources('AWS::SQS::Queue').filter(([id]) => id.startsWith('WorkloadRouting'));
    const policies = resources('AWS::SQS::QueuePolicy');

    // Assess
    expect(queues.length).toBe(8); // site jobs, events, their DLQs, and the router’s and report rule’s DLQs
    for (const [id, queue] of queues) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      const policy = policies.find(([, p]) => JSON.stringify(p.Properties.Queues).includes(`"${id}"`));
      expect(policy?.[1].Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('keeps a site job invisible for six times the forwarder timeout while it is forwarded', () => {
    // Prepare
    const forwarder = control.toJSON().Resources[functionId('ForwardFn')].Properties;

    // Assess
    for (const [, queue] of siteQueues()) {
      expect(queue.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * forwarder.Timeout);
    }
  });

  it('drains the site job queue into the forwarder with partial batch failures, 10 at a time, 1 s window', () => {
    // Prepare
    const forwarder = functionId('ForwardFn');
    const mappings = resources('AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => m.Properties.FunctionName.Ref === forwarder,
    );

    // Assess
    expect(mappings.map(([, m]) => m.Properties.EventSourceArn['Fn::GetAtt'][0]).sort()).toEqual(
      siteQueues()
        .map(([id]) => id)
        .sort(),
    );
    for (const [, mapping] of mappings) {
      expect(mapping.Properties).toMatchObject({
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
  });

  it('lets the forwarder publish to the sites’ jobs topics and nowhere else', () => {
    // Prepare
    const publish = statementsOf(functionId('ForwardFn')).filter((s) => actionsOf(s).some((a) => a.startsWith('iot:')));

    // Assess
    expect(publish).toHaveLength(1);
    expect(actionsOf(publish[0]!)).toEqual(['iot:Publish']);
    expect(JSON.stringify(publish[0]!.Resource)).toMatch(/":topic\/hcp\/v1\/sites\/\*\/jobs"/);
  });

  it("lets the optimizer's batch solve read the router's job index (its GPU demand), and no other optimizer function", () => {
    // Prepare
    const optimizerFns = resources('AWS::Lambda::Function')
      .map(([id]) => id)
      .filter((id) => id.startsWith('OptimizeFlow') && /(Prepare|SolveSites|Coordinate|Persist)Fn/.test(id));
    const queriesIndex = (fnId: string) =>
      statementsOf(fnId).some(
        (s) => actionsOf(s).includes('dynamodb:Query') && JSON.stringify(s.Resource).includes('/index/gsi1'),
      );

    // Assess
    expect(optimizerFns).toHaveLength(4);
    for (const id of optimizerFns) expect(queriesIndex(id)).toBe(id.includes('SolveSitesFn'));
  });

  it('runs one router at a time, every minute, with a DLQ for the schedule', () => {
    // Prepare
    const router = functionId('RouteFn');

    // Assess
    expect(control.toJSON().Resources[router].Properties.ReservedConcurrentExecutions).toBe(1);
    control.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [router, 'Arn'] },
        DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
      }),
    });
  });

  it('wakes the router from the table stream only for jobs waiting to be routed', () => {
    // Prepare
    const router = functionId('RouteFn');
    const [stream] = resources('AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => m.Properties.FunctionName.Ref === router,
    );

    // Assess
    data.hasResourceProperties('AWS::DynamoDB::GlobalTable', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
    expect(JSON.stringify(stream![1].Properties.EventSourceArn)).toContain('StreamArn');
    const patterns = (stream![1].Properties.FilterCriteria.Filters as Array<{ Pattern: string }>).map((f) =>
      JSON.parse(f.Pattern),
    );
    expect(patterns).toEqual([
      {
        eventName: ['INSERT', 'MODIFY'],
        dynamodb: { NewImage: { gsi1pk: { S: [ROUTING_PENDING_PARTITION] } } },
      },
    ]);
    expect(stream![1].Properties.DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringContaining('RouteStreamDlq'), 'Arn'] } },
    });
  });

  it('wires the router to the site job queue and the events queue, and lets it send to those only', () => {
    // Prepare
    const router = functionId('RouteFn');
    const env = control.toJSON().Resources[router].Properties.Environment.Variables;
    const send = statementsOf(router).filter((s) => actionsOf(s).includes('sqs:SendMessage'));
    const events = resources('AWS::SQS::Queue').find(([id]) => /^WorkloadRoutingWorkloadEvents(?!Dlq)/.test(id))!;

    // Assess
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining(['TABLE_NAME', 'SITE_JOBS_QUEUE_URL', 'WORKLOAD_EVENTS_QUEUE_URL']),
    );
    expect(env.SITE_JOBS_QUEUE_URL).toEqual({ Ref: siteQueues()[0]![0] });
    // No site list in any routing function's environment: the router reads the registry at each run.
    for (const id of ['RouteFn', 'ForwardFn'].map(functionId)) {
      const variables = JSON.stringify(control.toJSON().Resources[id].Properties.Environment.Variables);
      for (const siteId of TEST_CONTEXT.sites) expect(variables).not.toContain(siteId);
    }
    expect(env.WORKLOAD_EVENTS_QUEUE_URL).toEqual({ Ref: events[0] });
    const workQueueSend = send.find((s) => actionsOf(s).length === 1)!;
    expect(workQueueSend.Resource.map((r: any) => r['Fn::GetAtt'][0]).sort()).toEqual(
      [...siteQueues().map(([id]) => id), events[0]].sort(),
    );
  });

  it('brings job reports from an IoT rule to the report Lambda, with DLQs on both async hops', () => {
    // Prepare
    const report = functionId('ReportFn');

    // Assess
    control.hasResourceProperties('AWS::IoT::TopicRule', {
      TopicRulePayload: Match.objectLike({
        Sql: "SELECT * FROM 'hcp/v1/sites/+/job-reports' WHERE siteId = topic(4)",
        Actions: [{ Lambda: { FunctionArn: { 'Fn::GetAtt': [report, 'Arn'] } } }],
        ErrorAction: { Sqs: Match.objectLike({ QueueUrl: { Ref: Match.stringLikeRegexp('ReportRuleRuleDlq') } }) },
      }),
    });
    control.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: report },
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('InvokeDlq'), 'Arn'] } } },
    });
    expect(Object.keys(control.toJSON().Resources[report].Properties.Environment.Variables)).toEqual(
      expect.arrayContaining(['TABLE_NAME', 'WORKLOAD_EVENTS_QUEUE_URL']),
    );
  });

  it('delivers workload events from their queue with partial batch failures', () => {
    // Prepare
    const deliver = functionId('DeliverFn');

    // Assess
    control.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: deliver },
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkloadRoutingWorkloadEvents'), 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(control.toJSON().Resources[deliver].Properties.Environment.Variables).toHaveProperty('TABLE_NAME');
  });

  it('grants no wildcard action to any routing function', () => {
    // Prepare
    const ids = ['RouteFn', 'ForwardFn', 'ReportFn', 'DeliverFn'].map(functionId);

    // Assess
    for (const id of ids) {
      for (const statement of statementsOf(id)) {
        for (const action of actionsOf(statement)) expect(action).not.toContain('*');
      }
    }
  });

  it('alarms on every routing dead-letter queue through the control stack’s DLQ list', () => {
    // Prepare
    const dlqIds = resources('AWS::SQS::Queue')
      .map(([id]) => id)
      .filter((id) => id.startsWith('WorkloadRouting') && id.includes('Dlq'));
    const listed = stacks.control.deadLetterQueues.map((q) =>
      stacks.control.resolve((q.node.defaultChild as any).logicalId),
    );

    // Assess
    expect(dlqIds.length).toBe(6);
    expect(listed).toEqual(expect.arrayContaining(dlqIds));
  });
});
