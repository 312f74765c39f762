import { Stack } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { Construct } from 'constructs';
import {
  allMarketsTopicResource,
  GATEWAY_PUBLISHED_KINDS,
  GATEWAY_RECEIVED_KINDS,
  siteTopicPattern,
} from '../../core/messages/topics.js';

export interface GatewayPolicyProps {
  /** @default 'hcp-gateway' */
  readonly policyName?: string;
  /** The Greengrass token exchange role alias the cores trade their certificate for. */
  readonly roleAliasName: string;
}

/** What the Greengrass nucleus itself needs from AWS to receive deployments (AWS's minimal core-device policy). */
const GREENGRASS_DATA_PLANE_ACTIONS = [
  'greengrass:GetComponentVersionArtifact',
  'greengrass:ResolveComponentCandidates',
  'greengrass:GetDeploymentConfiguration',
  'greengrass:ListThingGroupsForCoreDevice',
];

/**
 * The IoT policy every site gateway's certificate carries. The thing name is the site id, and each statement is
 * scoped by `${iot:Connection.Thing.ThingName}`, so a gateway can publish and subscribe only on its own site's topics
 * (and read its market's signals): one gateway's credentials are useless for another site.
 */
export function gatewayPolicyDocument(partition: string, region: string, account: string, roleAliasName: string) {
  const arn = (resource: string) => `arn:${partition}:iot:${region}:${account}:${resource}`;
  const thing = '${iot:Connection.Thing.ThingName}';
  // The nucleus's own deployment and shadow channels; it opens extra connections as `<thing>#<n>`.
  const nucleus = [`$aws/things/${thing}/jobs/*`, `$aws/things/${thing}/shadow/*`];
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: [arn(`client/${thing}`), arn(`client/${thing}#*`)],
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      },
      {
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: [
          ...GATEWAY_PUBLISHED_KINDS.map((kind) => arn(`topic/${siteTopicPattern(thing, kind)}`)),
          ...nucleus.map((topic) => arn(`topic/${topic}`)),
        ],
      },
      {
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: [
          ...GATEWAY_RECEIVED_KINDS.map((kind) => arn(`topicfilter/${siteTopicPattern(thing, kind)}`)),
          arn(`topicfilter/${allMarketsTopicResource}`),
          ...nucleus.map((topic) => arn(`topicfilter/${topic}`)),
        ],
      },
      {
        Effect: 'Allow',
        Action: 'iot:Receive',
        Resource: [
          ...GATEWAY_RECEIVED_KINDS.map((kind) => arn(`topic/${siteTopicPattern(thing, kind)}`)),
          arn(`topic/${allMarketsTopicResource}`),
          ...nucleus.map((topic) => arn(`topic/${topic}`)),
        ],
      },
      { Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: arn(`rolealias/${roleAliasName}`) },
      // These data-plane calls take no resource-level permissions (the service authorization reference lists none).
      ...GREENGRASS_DATA_PLANE_ACTIONS.map((action) => ({ Effect: 'Allow', Action: action, Resource: '*' })),
    ],
  };
}

export class GatewayPolicy extends Construct {
  readonly policy: iot.CfnPolicy;

  constructor(scope: Construct, id: string, props: GatewayPolicyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.policy = new iot.CfnPolicy(this, 'Policy', {
      policyName: props.policyName ?? `${stack.stackName}-gateway`,
      policyDocument: gatewayPolicyDocument(stack.partition, stack.region, stack.account, props.roleAliasName),
    });
  }
}
