import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { SITE_CONFIG_SHADOW } from '../../core/iot/shadow-topics.js';
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
 * iot:UpdateThingShadow (and GetThingShadow, to read back what a gateway reported) on the site-configuration named
 * shadow of the site things and on no other shadow: IAM names a named shadow `thing/<thing>/<shadowName>`
 * (docs.aws.amazon.com/iot/latest/developerguide/iot-action-resources.html). Any thing, because a site added through
 * the API gets its thing without a deployment.
 */
export function grantSiteConfigShadowUpdate(fn: lambda.Function): void {
  const resourceName = `*/${SITE_CONFIG_SHADOW}`;
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['iot:UpdateThingShadow', 'iot:GetThingShadow'],
      resources: [Stack.of(fn).formatArn({ service: 'iot', resource: 'thing', resourceName })],
    }),
  );
  const { region } = Stack.of(fn);
  acknowledge(
    fn.role!,
    `AwsSolutions-IAM5[Resource::arn:aws:iot:${region}:<AWS::AccountId>:thing/${resourceName}]`,
    `The site registry publishes each site's gateway configuration to its thing's ${SITE_CONFIG_SHADOW} shadow; sites are added without a deployment, so any thing, but only that shadow name.`,
  );
}
