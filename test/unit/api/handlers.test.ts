import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { ROLES } from '../../../core/api/principal.js';
import { API_ROUTES } from '../../../functions/api/routes.js';
import { createLocalAuthorizer } from '../../../sim/local/api-routes.js';

const context = { functionName: 'test', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 1000 } as Context;
const event = (authorizer: Record<string, string> | undefined) =>
  ({
    httpMethod: 'POST',
    headers: {},
    body: '{}',
    requestContext: { requestId: 'r1', authorizer },
  }) as unknown as APIGatewayProxyEvent;
const principal = (role: string) => ({ principalId: 'p1', tenantId: 'acme', role, authMethod: 'api-key' });

describe('handlers enforce their route’s roles themselves', () => {
  const guarded = API_ROUTES.filter((route) => route.roles !== 'public');
  /** A role the route does not allow, or undefined for a route every role may call (the model catalog's reads). */
  const outsiderOf = (route: (typeof guarded)[number]) =>
    ROLES.find((role) => !(route.roles as string[]).includes(role));
  const restricted = guarded.filter((route) => outsiderOf(route) !== undefined);
  const everyRole = guarded.filter((route) => outsiderOf(route) === undefined);

  it.each(restricted.map((route) => [route.operationId, route] as const))(
    '%s refuses a role outside its list with 403 and no principal with 401',
    async (_id, route) => {
      // Prepare
      const handler = await route.load();
      // Act
      const forbidden = await handler(event(principal(outsiderOf(route)!)), context);
      const anonymous = await handler(event(undefined), context);
      // Assess
      expect(forbidden.statusCode).toBe(403);
      expect(anonymous.statusCode).toBe(401);
    },
  );

  it.each(everyRole.map((route) => [route.operationId, route] as const))(
    '%s, open to every role, still refuses no principal with 401',
    async (_id, route) => {
      // Prepare
      const handler = await route.load();
      // Act
      const anonymous = await handler(event(undefined), context);
      // Assess
      expect(anonymous.statusCode).toBe(401);
    },
  );

  it('leaves at most the read-only reference routes open to every role', () => {
    // Assess
    expect(everyRole.map((route) => route.operationId).sort()).toEqual(['getModelVersion', 'listModelVersions']);
  });
});

describe('local authorizer', () => {
  const authorizer = createLocalAuthorizer(API_ROUTES, {
    lookupApiKey: async () => ({ keyId: 'k', tenantId: 'acme', role: 'customer-user', revoked: false }),
  });
  const key = `hcp_k_${'A'.repeat(43)}`;

  it('checks the route table’s roles before any handler runs', async () => {
    const allowed = await authorizer({
      method: 'GET',
      path: '/v1/workloads',
      resource: '/v1/workloads',
      headers: { 'x-api-key': key },
    });
    const refused = await authorizer({
      method: 'GET',
      path: '/v1/audit',
      resource: '/v1/audit',
      headers: { 'x-api-key': key },
    });
    expect(allowed).toMatchObject({ allow: true, context: { tenantId: 'acme', role: 'customer-user' } });
    expect(refused).toMatchObject({ allow: false, statusCode: 403 });
  });

  it('refuses a route missing from its table (fails closed)', async () => {
    const decision = await authorizer({
      method: 'GET',
      path: '/v1/x',
      resource: '/v1/x',
      headers: { 'x-api-key': key },
    });
    expect(decision).toMatchObject({ allow: false, statusCode: 403 });
  });
});
