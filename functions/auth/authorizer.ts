import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { z } from 'zod';
import type { Principal } from '../../core/api/principal.js';
import { configGetter } from '../shared/config.js';
import { DynamoApiKeyStore } from '../shared/data/api-key-store.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoTenantStore } from '../shared/data/tenant-store.js';
import { logger } from '../shared/powertools.js';
import { type AuthDecision, type AuthPorts, authenticate } from './decide.js';
import { cognitoJwtVerifier } from './jwt.js';

/**
 * The API's Lambda REQUEST authorizer. It decides who is calling (decide.ts) and answers with a policy for the whole
 * stage plus the principal as context; which role may call which route is checked by each handler (requireRole)
 * against the same role constants the route table uses. A 401 is API Gateway's "Unauthorized" (thrown), a 403 an
 * explicit Deny.
 */
const config = configGetter(
  z.object({
    TABLE_NAME: z.string().min(1),
    USER_POOL_ID: z.string().min(1),
    USER_POOL_CLIENT_ID: z.string().min(1),
  }),
);

let ports: (AuthPorts & { usageKey(tenantId: string): Promise<string | undefined> }) | undefined;

function authPorts() {
  if (ports) return ports;
  const { TABLE_NAME, USER_POOL_ID, USER_POOL_CLIENT_ID } = config();
  const deps = { client: documentClient(), tableName: TABLE_NAME };
  const keys = new DynamoApiKeyStore(deps);
  const tenants = new DynamoTenantStore(deps);
  ports = {
    lookupApiKey: (hash) => keys.lookup(hash),
    verifyJwt: cognitoJwtVerifier({ userPoolId: USER_POOL_ID, clientId: USER_POOL_CLIENT_ID }),
    userRole: async (tenantId, userId) => (await tenants.getUserRole(tenantId, userId))?.role,
    usageKey: (tenantId) => tenants.usageKey(tenantId),
  };
  return ports;
}

/** `arn:…:execute-api:region:account:apiId/stage/*`: every method of the stage, so a cached answer fits any route. */
export function stageArn(methodArn: string): string {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage}/*`;
}

export function policyFor(
  decision: Extract<AuthDecision, { allow: true }>,
  methodArn: string,
  usageIdentifierKey?: string,
): APIGatewayAuthorizerResult {
  const principal: Principal = decision.principal;
  return {
    principalId: principal.principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: stageArn(methodArn) }],
    },
    context: { ...principal },
    ...(usageIdentifierKey ? { usageIdentifierKey } : {}),
  };
}

export const denyPolicy = (methodArn: string, reason: string): APIGatewayAuthorizerResult => ({
  principalId: 'anonymous',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: methodArn }],
  },
  context: { reason },
});

export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const p = authPorts();
  const decision = await authenticate(event.headers, p);
  if (!decision.allow) {
    logger.info('refused', { statusCode: decision.statusCode, reason: decision.reason });
    // API Gateway answers 401 for exactly this message, without a policy.
    if (decision.statusCode === 401) throw new Error('Unauthorized');
    return denyPolicy(event.methodArn, decision.reason);
  }
  // The tenant's own usage-plan key: API Gateway throttles and meters per tenant (docs/API.md, Usage plans).
  return policyFor(decision, event.methodArn, await p.usageKey(decision.principal.tenantId));
}
