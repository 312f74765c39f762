import { type CfnResource, Names, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges a cdk-nag finding on the construct it concerns; the reason is mandatory and says why it is safe. */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * How cdk-nag writes `resource`'s `attribute` (e.g. `Arn`) in a finding on `consumer`: `<LogicalId.Arn>` in the
 * resource's own stack, and in a stack nested in it the parameter CDK passes the value through,
 * `<referenceto<node unique id><attribute>>` (aws-cdk-lib core/lib/private/refs.ts createNestedStackParameter).
 */
export function nagAttribute(consumer: IConstruct, resource: CfnResource, attribute: string): string {
  const producer = Stack.of(resource);
  if (Stack.of(consumer) === producer) return `<${producer.getLogicalId(resource)}.${attribute}>`;
  return `<referenceto${Names.nodeUniqueId(resource.node)}${attribute}>`;
}
