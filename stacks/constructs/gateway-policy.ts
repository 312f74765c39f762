import { Stack } from 'aws-cdk-lib';
import * as iot from 'aws-cdk-lib/aws-iot';
import { Construct } from 'constructs';
import { gatewayTopicAccess, policyResourceName } from '../../core/iot/topic-access.js';

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
 * The IoT policy every site gateway's certificate carries: core's gateway topic rules (the same ones the local broker
 * enforces) rendered with `${iot:Connection.Thing.ThingName}` as the thing. The thing name is the site id, so a
 * gateway can publish and subscribe only on its own site's topics (and read the market's signals): one gateway's
 * credentials are useless for another site.
 */
export function gatewayPolicyDocument(partition: string, region: string, account: string, roleAliasName: string) {
  const arn = (resource: string) => `arn:${partition}:iot:${region}:${account}:${resource}`;
  const access = gatewayTopicAccess('${iot:Connection.Thing.ThingName}');
  const resources = (kind: 'topic' | 'topicfilter', filters: readonly string[]) =>
    filters.map((filter) => arn(`${kind}/${policyResourceName(filter)}`));
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: access.clientIds.map((clientId) => arn(`client/${clientId}`)),
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: resources('topic', access.publish) },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: resources('topicfilter', access.subscribe) },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: resources('topic', access.subscribe) },
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
