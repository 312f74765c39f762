import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { acknowledge } from './nag.js';

/**
 * IoT topic ARNs and publish grants. `resourceName` is an IAM topic pattern from core/messages/topics.ts
 * (allSitesTopicResource, allMarketsTopicResource), so the stacks never spell a topic themselves.
 */
export function topicArn(scope: IConstruct, resourceName: string): string {
  return Stack.of(scope).formatArn({ service: 'iot', resource: 'topic', resourceName });
}

/** Acknowledges cdk-nag's wildcard finding on the topics `resourceName` names, for `role`, with the reason. */
export function acknowledgeTopicWildcard(role: IConstruct, resourceName: string, reason: string): void {
  const { region } = Stack.of(role);
  acknowledge(
    role,
    `AwsSolutions-IAM5[Resource::arn:aws:iot:${region}:<AWS::AccountId>:topic/${resourceName}]`,
    reason,
  );
}

/** iot:Publish on the topics `resourceName` names and no other, with its wildcard acknowledged beside it. */
export function grantTopicPublish(fn: lambda.Function, resourceName: string, reason: string): void {
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['iot:Publish'], resources: [topicArn(fn, resourceName)] }));
  acknowledgeTopicWildcard(fn.role!, resourceName, reason);
}

/**
 * iot:UpdateThingShadow on every thing: the site registry publishes a site's gateway
 * configuration to its thing's named shadow, for sites registered after the deployment too.
 */
export function grantSiteConfigShadows(fn: lambda.Function, reason: string): void {
  const things = Stack.of(fn).formatArn({ service: 'iot', resource: 'thing', resourceName: '*' });
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['iot:UpdateThingShadow'], resources: [things] }),
  );
  const { region } = Stack.of(fn);
  acknowledge(fn.role!, `AwsSolutions-IAM5[Resource::arn:aws:iot:${region}:<AWS::AccountId>:thing/*]`, reason);
}
