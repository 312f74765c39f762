import { PLATFORM_TENANT_ID } from '../../core/api/access.js';
import { apiKeyHash, apiKeySecretSchema } from '../../core/api/api-keys.js';
import { type Principal, ROLES, type Role, roleSchema } from '../../core/api/principal.js';

/**
 * Who is calling: the authorizer's decision, pure apart from its ports so it runs the same in the Lambda authorizer,
 * in the local adapter and in unit tests. Two credentials are accepted:
 * - `x-api-key: <secret>` (machines): looked up by its SHA-256; unknown or revoked keys are refused;
 * - `Authorization: Bearer <Cognito ID token>` (people): verified (signature, expiry, issuer, audience); the tenant
 *   comes from `custom:tenantId`, the role from the user's record in the tenant (set with PUT .../users/{userId}),
 *   else `custom:role`, else the `cognito:groups` named after roles.
 * The tenant never comes from the request's path or body.
 */

export interface ApiKeyRecord {
  readonly keyId: string;
  readonly tenantId: string;
  readonly role: Role;
  readonly revoked: boolean;
}

/** Claims as aws-jwt-verify returns them after verifying the token. */
export type JwtClaims = Readonly<Record<string, unknown>>;

export interface AuthPorts {
  lookupApiKey(hash: string): Promise<ApiKeyRecord | undefined>;
  /** Verifies a JWT and returns its claims; throws on any failure (bad signature, expired, wrong issuer/audience). */
  verifyJwt?(token: string): Promise<JwtClaims>;
  /** The role an admin set for this user in this tenant, if any. */
  userRole?(tenantId: string, userId: string): Promise<Role | undefined>;
}

export type AuthDecision =
  | { readonly allow: true; readonly principal: Principal }
  | { readonly allow: false; readonly statusCode: 401 | 403; readonly reason: string };

const deny = (statusCode: 401 | 403, reason: string): AuthDecision => ({ allow: false, statusCode, reason });

/** Headers by lower-case name (API Gateway and node keep the client's case). */
export function lowerCaseHeaders(headers: Readonly<Record<string, string | undefined>> | null | undefined) {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) if (value !== undefined) out[name.toLowerCase()] = value;
  return out;
}

export async function authenticate(
  headers: Readonly<Record<string, string | undefined>> | null | undefined,
  ports: AuthPorts,
): Promise<AuthDecision> {
  const h = lowerCaseHeaders(headers);
  const apiKey = h['x-api-key'];
  const bearer = /^Bearer\s+(\S+)$/i.exec(h.authorization ?? '')?.[1];
  if (apiKey !== undefined && bearer !== undefined)
    return deny(401, 'send either x-api-key or a bearer token, not both');
  if (apiKey !== undefined) return authenticateApiKey(apiKey, ports);
  if (bearer !== undefined) return authenticateJwt(bearer, ports);
  return deny(401, h.authorization ? 'Authorization must be "Bearer <token>"' : 'no credentials');
}

async function authenticateApiKey(secret: string, ports: AuthPorts): Promise<AuthDecision> {
  // A malformed key is refused before touching the table.
  if (!apiKeySecretSchema.safeParse(secret).success) return deny(401, 'unknown API key');
  const key = await ports.lookupApiKey(apiKeyHash(secret));
  if (!key) return deny(401, 'unknown API key');
  if (key.revoked) return deny(401, 'revoked API key');
  return scoped({ principalId: `apikey:${key.keyId}`, tenantId: key.tenantId, role: key.role, authMethod: 'api-key' });
}

/**
 * Platform roles (operator, admin) belong to the platform tenant and customer roles to customer tenants: a credential
 * pairing them otherwise (a mistyped Cognito attribute, a hand-written key) is refused, never trusted.
 */
function scoped(principal: Principal): AuthDecision {
  const platformRole = principal.role === 'operator' || principal.role === 'admin';
  if (platformRole !== (principal.tenantId === PLATFORM_TENANT_ID)) {
    return deny(403, `role ${principal.role} is not valid in tenant ${principal.tenantId}`);
  }
  return { allow: true, principal };
}

async function authenticateJwt(token: string, ports: AuthPorts): Promise<AuthDecision> {
  if (!ports.verifyJwt) return deny(401, 'bearer tokens are not accepted here');
  let claims: JwtClaims;
  try {
    claims = await ports.verifyJwt(token);
  } catch (error) {
    // aws-jwt-verify's errors say what failed by their class (JwtExpiredError, JwtInvalidAudienceError, ...).
    return deny(401, `invalid token: ${(error as Error).constructor?.name ?? 'Error'}`);
  }
  const userId = typeof claims.sub === 'string' ? claims.sub : undefined;
  const tenantId = typeof claims['custom:tenantId'] === 'string' ? claims['custom:tenantId'] : undefined;
  if (!userId || !tenantId) return deny(403, 'token has no tenant');
  const role = (await ports.userRole?.(tenantId, userId)) ?? roleFromClaims(claims);
  if (!role) return deny(403, 'token has no role');
  return scoped({ principalId: userId, tenantId, role, authMethod: 'jwt' });
}

/** `custom:role`, else the most privileged role named by a Cognito group. */
export function roleFromClaims(claims: JwtClaims): Role | undefined {
  const custom = roleSchema.safeParse(claims['custom:role']);
  if (custom.success) return custom.data;
  const groups = Array.isArray(claims['cognito:groups']) ? (claims['cognito:groups'] as unknown[]) : [];
  // ROLES is ordered least to most privileged.
  return [...ROLES].reverse().find((role) => groups.includes(role));
}
