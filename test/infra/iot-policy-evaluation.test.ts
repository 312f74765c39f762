import { gatewayPolicyDocument } from '../../stacks/constructs/gateway-policy.js';
import { type IotPolicyStatement, iotPolicyAllows } from '../support/iot-policy.js';

const PREFIX = 'arn:aws:iot:us-east-2:123456789012';
const statements = gatewayPolicyDocument('aws', 'us-east-2', '123456789012', 'hcp-token-exchange')
  .Statement as IotPolicyStatement[];
const SITES = ['site-west-1', 'site-south-1', 'site-north-1', 'site-west-10'];
const may = (thing: string, action: string, resource: string) =>
  iotPolicyAllows(statements, thing, action, `${PREFIX}:${resource}`);

describe('the gateway policy, evaluated for every pair of sites', () => {
  const pairs = SITES.flatMap((own) => SITES.filter((other) => other !== own).map((other) => [own, other] as const));

  it.each(pairs)('%s may use its own topics and none of %s’s', (own, other) => {
    for (const kind of ['telemetry', 'acks', 'events', 'heartbeat', 'job-reports', 'gpu-nodes']) {
      expect(may(own, 'iot:Publish', `topic/hcp/v1/sites/${own}/${kind}`)).toBe(true);
      expect(may(own, 'iot:Publish', `topic/hcp/v1/sites/${other}/${kind}`)).toBe(false);
    }
    for (const kind of ['commands', 'grid', 'jobs', 'gpu-node-commands', 'job-cancels']) {
      expect(may(own, 'iot:Subscribe', `topicfilter/hcp/v1/sites/${own}/${kind}`)).toBe(true);
      expect(may(own, 'iot:Receive', `topic/hcp/v1/sites/${own}/${kind}`)).toBe(true);
      expect(may(own, 'iot:Subscribe', `topicfilter/hcp/v1/sites/${other}/${kind}`)).toBe(false);
      expect(may(own, 'iot:Receive', `topic/hcp/v1/sites/${other}/${kind}`)).toBe(false);
    }
    expect(may(own, 'iot:Subscribe', 'topicfilter/hcp/v1/sites/+/commands')).toBe(false);
    expect(may(own, 'iot:Subscribe', 'topicfilter/hcp/v1/sites/#')).toBe(false);
    expect(may(own, 'iot:Publish', `topic/$aws/things/${other}/jobs/start-next`)).toBe(false);
  });

  it.each(pairs)('%s connects as itself (and its nucleus’s #n clients) but never as %s', (own, other) => {
    expect(may(own, 'iot:Connect', `client/${own}`)).toBe(true);
    expect(may(own, 'iot:Connect', `client/${own}#2`)).toBe(true);
    expect(may(own, 'iot:Connect', `client/${other}`)).toBe(false);
    expect(may(own, 'iot:Connect', `client/${other}#2`)).toBe(false);
  });

  it('never lets a gateway publish a command, to itself or anyone', () => {
    for (const own of SITES)
      for (const target of SITES)
        for (const kind of ['commands', 'gpu-node-commands'])
          expect(may(own, 'iot:Publish', `topic/hcp/v1/sites/${target}/${kind}`)).toBe(false);
  });

  it('never lets a gateway subscribe to every site’s GPU node commands or reports', () => {
    for (const own of SITES) {
      expect(may(own, 'iot:Subscribe', 'topicfilter/hcp/v1/sites/+/gpu-node-commands')).toBe(false);
      expect(may(own, 'iot:Subscribe', 'topicfilter/hcp/v1/sites/+/gpu-nodes')).toBe(false);
      expect(may(own, 'iot:Subscribe', `topicfilter/hcp/v1/sites/${own}/gpu-nodes`)).toBe(false);
    }
  });
});

describe('the evaluator itself', () => {
  it('does see a cross-site grant in a careless policy', () => {
    // Prepare: the common mistake, a site wildcard instead of the thing-name variable.
    const careless: IotPolicyStatement[] = [
      { Effect: 'Allow', Action: 'iot:Publish', Resource: `${PREFIX}:topic/hcp/v1/sites/*/telemetry` },
      { Effect: 'Allow', Action: 'iot:Connect', Resource: `${PREFIX}:client/\${iot:Connection.Thing.ThingName}*` },
    ];

    // Assess
    expect(
      iotPolicyAllows(careless, 'site-west-1', 'iot:Publish', `${PREFIX}:topic/hcp/v1/sites/site-south-1/telemetry`),
    ).toBe(true);
    expect(iotPolicyAllows(careless, 'site-west-1', 'iot:Connect', `${PREFIX}:client/site-west-10`)).toBe(true);
    expect(
      iotPolicyAllows(
        careless,
        'site-west-1',
        'iot:Subscribe',
        `${PREFIX}:topicfilter/hcp/v1/sites/site-west-1/telemetry`,
      ),
    ).toBe(false);
  });
});
