import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as iot from 'aws-cdk-lib/aws-iot';
import type { HcpFunction } from './hcp-function.js';
import { acknowledge } from './nag.js';

/** What the gateway onboarding routes work on, from the IoT stack. */
export interface GatewayOnboardingProps {
  readonly thingGroup: iot.CfnThingGroup;
  readonly thingTypeName: string;
  readonly policy: iot.CfnPolicy;
  readonly roleAlias: iot.CfnRoleAlias;
  /**
   * Multi-region: the other regions' IoT registries, by the names their IoT stacks give the policy, group and role
   * alias; onboarding registers each gateway certificate there too. @default none
   */
  readonly otherRegions?: readonly GatewayRegistryNames[];
}

export interface GatewayRegistryNames {
  readonly region: string;
  readonly policyName: string;
  readonly thingGroupName: string;
  readonly roleAlias: string;
}

/**
 * Lets a route's Lambda onboard and revoke site gateways (functions/shared/iot/aws-gateway-identity.ts), and tells
 * it which policy, thing group, thing type and role alias to use. Things are the account's (`thing/*`): a gateway's
 * thing is named after its site, and a site registered through the operator API is onboarded without a deployment;
 * the route onboards only a site the registry holds (404 otherwise) and creates its thing if missing. The thing group
 * is named; certificate
 * calls take `cert/*` (their ids exist only once IoT has signed); CreateCertificateFromCsr and DescribeEndpoint take
 * no resource-level permissions, and AttachPolicy/DetachPolicy are scoped by their target (the certificate), not by
 * the policy (Service Authorization Reference, AWS IoT).
 */
export function grantGatewayOnboarding(fn: HcpFunction, props: GatewayOnboardingProps): void {
  const stack = Stack.of(fn);
  grantRegistry(fn, stack.region, props.thingGroup.attrArn);
  for (const other of props.otherRegions ?? []) {
    const group = stack.formatArn({
      service: 'iot',
      region: other.region,
      resource: 'thinggroup',
      resourceName: other.thingGroupName,
    });
    grantRegistry(fn, other.region, group);
  }
  fn.fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['iot:CreateCertificateFromCsr', 'iot:DescribeEndpoint'], resources: ['*'] }),
  );
  if (props.otherRegions?.length) {
    // The certificate IoT signed here, registered in the other regions (multi-account registration, no CA there).
    fn.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:RegisterCertificateWithoutCA'], resources: ['*'] }));
    fn.fn.addEnvironment('GATEWAY_OTHER_REGIONS', JSON.stringify(props.otherRegions));
  }
  acknowledge(
    fn.fn.role!,
    'AwsSolutions-IAM5[Resource::*]',
    props.otherRegions?.length
      ? 'iot:CreateCertificateFromCsr, iot:RegisterCertificateWithoutCA and iot:DescribeEndpoint take no resource-level permissions.'
      : 'iot:CreateCertificateFromCsr and iot:DescribeEndpoint take no resource-level permissions.',
  );
  fn.fn.addEnvironment('GATEWAY_POLICY_NAME', props.policy.ref);
  fn.fn.addEnvironment('GATEWAY_THING_GROUP_NAME', props.thingGroup.ref);
  fn.fn.addEnvironment('GATEWAY_THING_TYPE_NAME', props.thingTypeName);
  fn.fn.addEnvironment('GATEWAY_ROLE_ALIAS', props.roleAlias.ref);
}

/** Things, certificates and the gateways' group in one region's registry. */
function grantRegistry(fn: HcpFunction, region: string, thingGroupArn: string): void {
  const stack = Stack.of(fn);
  const arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: 'iot', region, resource, resourceName });
  const things = [arn('thing', '*')];
  const role = fn.fn;
  role.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [
        'iot:DescribeThing',
        'iot:CreateThing',
        'iot:ListThingPrincipals',
        'iot:AttachThingPrincipal',
        'iot:DetachThingPrincipal',
      ],
      resources: things,
    }),
  );
  role.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['iot:AddThingToThingGroup'],
      resources: [...things, thingGroupArn],
    }),
  );
  const certificates = arn('cert', '*');
  role.addToRolePolicy(
    new iam.PolicyStatement({
      actions: [
        'iot:DescribeCertificate',
        'iot:UpdateCertificate',
        'iot:DeleteCertificate',
        'iot:AttachPolicy',
        'iot:DetachPolicy',
        'iot:AttachThingPrincipal',
        'iot:DetachThingPrincipal',
      ],
      resources: [certificates],
    }),
  );
  acknowledge(
    fn.fn.role!,
    `AwsSolutions-IAM5[Resource::arn:aws:iot:${region}:<AWS::AccountId>:cert/*]`,
    'A gateway certificate’s id exists only once IoT has signed the CSR; the calls are limited to certificates.',
  );
  acknowledge(
    fn.fn.role!,
    `AwsSolutions-IAM5[Resource::arn:aws:iot:${region}:<AWS::AccountId>:thing/*]`,
    'Site gateways’ things are named after sites registered at run time through the operator API; the route onboards only a registered site.',
  );
}
