import { Match } from 'aws-cdk-lib/assertions';
import { apiTemplate, synthesizedApp } from './app-fixture.js';

const { stacks } = synthesizedApp();
const api = apiTemplate(stacks.api);

type Statement = { Action: string | string[]; Resource: unknown };
const policies = () =>
  Object.values(api.findResources('AWS::IAM::Policy')) as Array<{
    Properties: { PolicyDocument: { Statement: Statement[] }; Roles: unknown[] };
  }>;
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('operator override and power-limit routes', () => {
  it('are the only API Lambdas that may start executions, and only of the SwitchFlow', () => {
    // Act
    const starting = policies().filter((p) =>
      p.Properties.PolicyDocument.Statement.some((s) => actionsOf(s).includes('states:StartExecution')),
    );
    const statements = starting.flatMap((p) =>
      p.Properties.PolicyDocument.Statement.filter((s) => actionsOf(s).includes('states:StartExecution')),
    );

    // Assess: POST /v1/sites/{siteId}/overrides and PUT /v1/sites/{siteId}/power-limit, nothing else.
    expect(
      starting.map((p) => JSON.stringify(p.Properties.Roles).match(/"(\w+?)Role[0-9A-F]{8}"/)?.[1]).sort(),
    ).toEqual(['CreateOverride', 'SetPowerLimit']);
    for (const statement of statements) {
      expect(JSON.stringify(statement.Resource)).toContain('SwitchFlow');
      expect(JSON.stringify(statement.Resource)).not.toContain('*');
    }
  });

  it('tells their Lambdas which state machine to start', () => {
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
    expect(withArn).toHaveLength(2);
  });
});
