import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SITE_CONFIG_SHADOW } from '../../core/iot/shadow-topics.js';
import { grantSiteConfigShadowUpdate } from '../../stacks/constructs/iot-topics.js';

describe('grantSiteConfigShadowUpdate', () => {
  it('lets the registry Lambda update only the site-configuration named shadow of the things', () => {
    // Prepare
    const stack = new Stack(new App(), 'Registry', { env: { account: '111122223333', region: 'us-east-2' } });
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
    });
    // Act
    grantSiteConfigShadowUpdate(fn);
    // Assess: one statement, shadow actions only, the named shadow's ARN (thing/<any>/<shadow name>).
    const statements = Template.fromStack(stack).findResources('AWS::IAM::Policy');
    const all = Object.values(statements).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement,
    );
    expect(all).toEqual([
      {
        Effect: 'Allow',
        Action: ['iot:UpdateThingShadow', 'iot:GetThingShadow'],
        Resource: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, `:iot:us-east-2:111122223333:thing/*/${SITE_CONFIG_SHADOW}`],
          ],
        },
      },
    ]);
  });
});
