import { API_ROUTES } from '../../functions/api/routes.js';
import { apiTemplate, synthesizedApp } from './app-fixture.js';

const { app, stacks } = synthesizedApp();
const api = apiTemplate(stacks.api);
const policies = Object.entries(api.findResources('AWS::IAM::Policy'));
const statementsOf = (logicalIdPart: string) =>
  (policies.find(([id]) => id.includes(logicalIdPart))?.[1].Properties.PolicyDocument.Statement ?? []) as Array<{
    Action: string | string[];
    Resource: unknown;
  }>;
const actions = (statements: ReturnType<typeof statementsOf>) => statements.flatMap((s) => [s.Action].flat());
const functionEnv = (logicalIdPart: string) =>
  Object.entries(api.findResources('AWS::Lambda::Function')).find(([id]) => id.includes(logicalIdPart))?.[1].Properties
    .Environment.Variables;

describe('gateway onboarding routes: IoT registry access', () => {
  it('synthesizes under cdk-nag with every finding acknowledged', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('lets onboarding create and attach on the account’s things (any registered site) and the thing group, and no iot:* wildcard', () => {
    // Prepare
    const onboard = statementsOf('OnboardGateway');
    const thingStatement = onboard.find((s) => actions([s]).includes('iot:CreateThing'))!;

    // Assess
    expect(actions(onboard)).toEqual(
      expect.arrayContaining([
        'iot:CreateCertificateFromCsr',
        'iot:AttachThingPrincipal',
        'iot:AttachPolicy',
        'iot:AddThingToThingGroup',
        'iot:DescribeEndpoint',
      ]),
    );
    expect(actions(onboard).some((a) => a === 'iot:*' || a.endsWith(':*'))).toBe(false);
    const thingResources = JSON.stringify(thingStatement.Resource);
    // Not the deployment's site list: a site registered through the API onboards without a deployment.
    expect(thingResources).toContain(':thing/*');
    expect(thingResources).not.toContain(':thing/site-west-1');
    const groupStatement = onboard.find((s) => actions([s]).includes('iot:AddThingToThingGroup'))!;
    expect(JSON.stringify(groupStatement.Resource)).toContain('Gateways');
    const onAnything = actions(onboard.filter((s) => s.Resource === '*')).filter((a) => a.startsWith('iot:'));
    expect(onAnything.sort()).toEqual(['iot:CreateCertificateFromCsr', 'iot:DescribeEndpoint']);
  });

  it('lets revoking deactivate, detach and delete certificates only', () => {
    const revoke = statementsOf('RevokeGateway');
    const certificateStatement = revoke.find((s) => actions([s]).includes('iot:DeleteCertificate'))!;
    expect(JSON.stringify(certificateStatement.Resource)).toContain(':cert/*');
    expect(actions([certificateStatement])).toEqual(
      expect.arrayContaining(['iot:UpdateCertificate', 'iot:DetachPolicy', 'iot:DetachThingPrincipal']),
    );
  });

  it('tells the handlers which policy, thing group, thing type and role alias to use', () => {
    const env = functionEnv('OnboardGateway');
    expect(Object.keys(env)).toEqual(
      expect.arrayContaining([
        'GATEWAY_POLICY_NAME',
        'GATEWAY_THING_GROUP_NAME',
        'GATEWAY_THING_TYPE_NAME',
        'GATEWAY_ROLE_ALIAS',
      ]),
    );
    expect(env.GATEWAY_THING_TYPE_NAME).toBe('hcp-site-gateway');
  });

  it('gives no other route any IoT registry action; registry changes may only update the things’ shadows', () => {
    const others = API_ROUTES.filter((r) => !r.managesGatewayIdentities);
    for (const route of others) {
      const id = route.operationId.charAt(0).toUpperCase() + route.operationId.slice(1);
      // Data plane only: iot:Publish, and the site-configuration shadow for the site registry's changes.
      const allowed = [
        'iot:Publish',
        ...(route.publishesSiteConfig ? ['iot:UpdateThingShadow', 'iot:GetThingShadow'] : []),
      ];
      expect(actions(statementsOf(id)).filter((a) => a.startsWith('iot:') && !allowed.includes(a))).toEqual([]);
    }
    const shadowWriters = others.filter((r) =>
      actions(statementsOf(r.operationId.charAt(0).toUpperCase() + r.operationId.slice(1))).includes(
        'iot:UpdateThingShadow',
      ),
    );
    expect(shadowWriters.map((r) => r.operationId).sort()).toEqual(
      others
        .filter((r) => r.publishesSiteConfig)
        .map((r) => r.operationId)
        .sort(),
    );
  });
});
