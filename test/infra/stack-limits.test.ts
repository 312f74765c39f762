import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { synthesizedApp } from './app-fixture.js';

/**
 * CloudFormation refuses a template with more than 500 resources, 200 outputs or 200 parameters per stack, nested
 * stacks included (docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html); the margins
 * catch growth here, at test time, rather than at deploy.
 */
const LIMITS = { Resources: 450, Outputs: 180, Parameters: 180 };

const { app } = synthesizedApp();
const stacks = app.node.findAll().filter((c): c is Stack => Stack.isStack(c));

describe('CloudFormation template limits', () => {
  it('covers the nested stacks too', () => {
    expect(stacks.filter((stack) => stack.nested).length).toBeGreaterThan(0);
  });

  it.each(stacks.map((stack) => [stack.node.path, stack] as const))(
    '%s stays under the limits on resources, outputs and parameters',
    (_path, stack) => {
      const template = Template.fromStack(stack).toJSON();
      const over = Object.entries(LIMITS)
        .map(([section, limit]) => ({ section, limit, count: Object.keys(template[section] ?? {}).length }))
        .filter(({ count, limit }) => count > limit)
        .map(({ section, count, limit }) => `${section}: ${count} > ${limit}`);
      expect(over).toEqual([]);
    },
  );
});
