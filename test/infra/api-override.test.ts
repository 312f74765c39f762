import { Match, Template } from 'aws-cdk-lib/assertions';
import { synthesizedApp } from './app-fixture.js';

const { stacks } = synthesizedApp();
const api = Template.fromStack(stacks.api);

type Statement = { Action: string | string[]; Resource: unknown };
const policies = () =>
  Object.values(api.findResources('AWS::IAM::Policy')) as Array<{
    Properties: { PolicyDocument: { Statement: Statement[] }; Roles: unknown[] };
  }>;
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('operator override route', () => {
  it('is the only API Lambda that may start executions, and only of the SwitchFlow', () => {
    // Act
    const starting = policies().flatMap((p) =>
      p.Properties.PolicyDocument.Statement.filter((s) => actionsOf(s).includes('states:StartExecution')),
    );

    // Assess
    expect(starting).toHaveLength(1);
    expect(JSON.stringify(starting[0]!.Resource)).toContain('SwitchFlow');
    expect(JSON.stringify(starting[0]!.Resource)).not.toContain('*');
  });

  it('tells its Lambda which state machine to start', () => {
    // Assess
    api.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SWITCH_FLOW_ARN: Match.anyValue() }) },
    });
    const withArn = Object.values(api.findResources('AWS::Lambda::Function')).filter(
      (f) =>
        (f as { Properties: { Environment?: { Variables?: object } } }).Properties.Environment?.Variables &&
        'SWITCH_FLOW_ARN' in
          (f as { Properties: { Environment: { Variables: object } } }).Properties.Environment.Variables,
    );
    expect(withArn).toHaveLength(1);
  });
});
