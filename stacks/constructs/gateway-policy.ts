import { Stack } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { Construct } from 'constructs';

export interface GatewayPolicyProps {
  /** @default 'hcp-gateway' */
  readonly policyName?: string;
}

/**
 * The IoT policy every site gateway's certificate carries. The thing name is the site id, and each statement is
 * scoped by `${iot:Connection.Thing.ThingName}`, so a gateway can publish and subscribe only on its own site's topics
 * (and read its market's signals): one gateway's credentials are useless for another site.
 */
export function gatewayPolicyDocument(partition: string, region: string, account: string) {
  const arn = (resource: string) => `arn:${partition}:iot:${region}:${account}:${resource}`;
  const site = 'hcp/v1/sites/${iot:Connection.Thing.ThingName}';
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: arn('client/${iot:Connection.Thing.ThingName}'),
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      },
      {
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: ['acks', 'telemetry', 'events', 'heartbeat'].map((kind) => arn(`topic/${site}/${kind}`)),
      },
      {
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: [
          arn(`topicfilter/${site}/commands`),
          arn(`topicfilter/${site}/grid`),
          arn('topicfilter/hcp/v1/market/*/signals'),
        ],
      },
      {
        Effect: 'Allow',
        Action: 'iot:Receive',
        Resource: [arn(`topic/${site}/commands`), arn(`topic/${site}/grid`), arn('topic/hcp/v1/market/*/signals')],
      },
    ],
  };
}

export class GatewayPolicy extends Construct {
  readonly policy: iot.CfnPolicy;

  constructor(scope: Construct, id: string, props: GatewayPolicyProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.policy = new iot.CfnPolicy(this, 'Policy', {
      policyName: props.policyName ?? `${stack.stackName}-gateway`,
      policyDocument: gatewayPolicyDocument(stack.partition, stack.region, stack.account),
    });
  }
}
