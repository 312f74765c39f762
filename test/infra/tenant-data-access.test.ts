import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { API_ROUTES } from '../../functions/api/routes.js';
import { POLICY_LEADING_KEY_PATTERNS, TENANT_SCOPE_TAGS } from '../../functions/shared/data/tenant-scope.js';
import { type IamRequest, iamAllows } from '../support/iam-policy.js';
import { TEST_TABLE, tenantDataStatements } from '../support/tenant-data-policy.js';
import { apiTemplate, synthesizedApp } from './app-fixture.js';

const { stacks } = synthesizedApp();
const api = apiTemplate(stacks.api);
const statements = tenantDataStatements(stacks);
/** The logical id of a route function's role. */
function routeRoleId(operationId: string): string {
  const role = stacks.api.routes.functions.get(operationId)!.fn.role!;
  return Stack.of(role).getLogicalId(role.node.defaultChild as CfnElement);
}

/** The logical id of the role a nested route-function stack exports under `outputName`. */
function nestedOutputRole(outputName: string): string {
  for (const stack of stacks.api.routes.functionStacks.values()) {
    const output = Template.fromStack(stack).toJSON().Outputs?.[outputName];
    if (output) return output.Value['Fn::GetAtt'][0];
  }
  throw new Error(`no nested stack exports ${outputName}`);
}

/** Every statement of a route function's role policy. */
function routeStatements(operationId: string): any[] {
  const policies = api.findResources('AWS::IAM::Policy');
  const roleId = routeRoleId(operationId);
  const entry = Object.values(policies).find((p) => JSON.stringify(p.Properties.Roles) === `[{"Ref":"${roleId}"}]`);
  if (!entry) throw new Error(`no role policy for ${operationId}`);
  return entry.Properties.PolicyDocument.Statement;
}

const asTenant = (tenantId: string, auditChain = tenantId) => ({
  [TENANT_SCOPE_TAGS.tenantId]: tenantId,
  [TENANT_SCOPE_TAGS.auditChain]: auditChain,
});
const request = (action: string, leadingKeys: string[], tags: Record<string, string>, index?: string): IamRequest => ({
  action: `dynamodb:${action}`,
  resource: index ? `${TEST_TABLE.arn}/index/${index}` : TEST_TABLE.arn,
  context: { 'dynamodb:LeadingKeys': leadingKeys },
  principalTags: tags,
});

describe('tenant-scoped table access (#23 item 5)', () => {
  const scopedRoutes = API_ROUTES.filter((r) => r.tenantScoped);

  it('conditions every table grant of the tenant-data role on leading keys starting with the session’s tags', () => {
    // Assess
    expect(POLICY_LEADING_KEY_PATTERNS).toEqual([
      'TENANT#${aws:PrincipalTag/tenantId}',
      'TENANT#${aws:PrincipalTag/tenantId}#*',
      'AUDIT#${aws:PrincipalTag/auditChain}',
      'AUDIT#${aws:PrincipalTag/auditChain}#*',
    ]);
    const dynamo = statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(dynamo.length).toBeGreaterThan(0);
    for (const statement of dynamo) {
      expect(statement.Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': POLICY_LEADING_KEY_PATTERNS },
      });
      // A Scan has no leading keys, and ForAllValues over no values is true: it must never be granted.
      expect(JSON.stringify(statement.Action)).not.toMatch(/Scan|dynamodb:\*/);
    }
  });

  it('admits only the tenant routes’ roles, and only with both session tags and no other', () => {
    // Prepare
    const roles = api.findResources('AWS::IAM::Role');
    const [, role] = Object.entries(roles).find(([id]) => id.includes('TenantDataRole'))!;
    const [trust] = role.Properties.AssumeRolePolicyDocument.Statement;

    // Assess
    expect(trust.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(trust.Condition).toEqual({
      StringLike: { 'aws:RequestTag/tenantId': '?*', 'aws:RequestTag/auditChain': '?*' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['tenantId', 'auditChain'] },
    });
    // The route roles live in the nested route-function stacks: each principal is one of their outputs.
    const principals = (trust.Principal.AWS as { 'Fn::GetAtt': [string, string] }[]).map((p) =>
      nestedOutputRole(p['Fn::GetAtt'][1].replace(/^Outputs\./, '')),
    );
    expect(principals.sort()).toEqual(scopedRoutes.map((r) => routeRoleId(r.operationId)).sort());
  });

  it('leaves the tenant routes’ own roles without any table access, only the assume-role grant', () => {
    // Assess: the customer routes and the webhook routes, which read the signing secrets.
    expect(scopedRoutes.map((r) => r.operationId)).toEqual(
      expect.arrayContaining(['submitWorkload', 'getWorkload', 'getWebhook', 'putWebhook', 'rotateWebhookSecret']),
    );
    for (const route of scopedRoutes) {
      const own = JSON.stringify(routeStatements(route.operationId));
      expect(own).not.toContain('dynamodb:');
      expect(own).toContain('sts:TagSession');
    }
  });

  it('lets a session of tenant A reach A’s items and audit shards, never B’s, a look-alike id or a Scan', () => {
    // Prepare
    const a = asTenant('acme');
    const allowed = [
      request('GetItem', ['TENANT#acme'], a),
      request('PutItem', ['AUDIT#acme#5'], a),
      request('Query', ['AUDIT#acme'], a),
      request('Query', ['TENANT#acme#STATUS#queued'], a, 'gsi1'),
      request('BatchGetItem', ['TENANT#acme', 'AUDIT#acme#1'], a),
    ];
    const denied = [
      request('GetItem', ['TENANT#bolt'], a), // B's workload, profile or webhook secret: all in TENANT#bolt
      request('Query', ['TENANT#bolt'], a),
      request('GetItem', ['TENANT#acme2'], a), // an id that starts with A's
      request('GetItem', ['TENANT#acme2#x'], a),
      request('PutItem', ['AUDIT#bolt#1'], a),
      request('GetItem', ['APIKEYHASH#0f'], a),
      request('Query', ['TENANT#bolt#STATUS#queued'], a, 'gsi1'),
      request('BatchGetItem', ['TENANT#acme', 'TENANT#bolt'], a),
      request('Scan', [], a),
      request('GetItem', ['TENANT#acme'], {}), // a session without tags
    ];

    // Assess
    for (const r of allowed)
      expect([r.action, r.context, iamAllows(statements, r)]).toEqual([r.action, r.context, true]);
    for (const r of denied)
      expect([r.action, r.context, iamAllows(statements, r)]).toEqual([r.action, r.context, false]);
  });

  it('lets an admin’s session for tenant B write B’s items and the platform’s audit chain only', () => {
    // Prepare
    const admin = asTenant('bolt', 'platform');

    // Assess
    expect(iamAllows(statements, request('UpdateItem', ['TENANT#bolt'], admin))).toBe(true);
    expect(iamAllows(statements, request('PutItem', ['AUDIT#platform#3'], admin))).toBe(true);
    expect(iamAllows(statements, request('PutItem', ['AUDIT#bolt'], admin))).toBe(false);
    expect(iamAllows(statements, request('GetItem', ['TENANT#platform'], admin))).toBe(false);
  });
});
