import { TENANT_ADMIN_ROLES } from '../../../core/api/access.js';
import { type ApiKey, apiKeyHash, createApiKeyBodySchema, formatApiKeySecret } from '../../../core/api/api-keys.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, auditCommitted, auditWrites, nowIso, parseBody } from '../handler.js';
import { managedTenant } from '../tenants/access.js';

/** POST /v1/api-keys: a new key; the secret is in this response only, the table keeps its SHA-256. */
export async function createApiKey(request: ApiRequest) {
  const { runtime, principal } = request;
  const body = parseBody(request.event, createApiKeyBodySchema);
  const tenantId = await managedTenant(request, body.tenantId, body.role);
  const key: ApiKey = {
    keyId: `key-${runtime.randomHex(8)}`,
    tenantId,
    name: body.name,
    role: body.role,
    createdAt: nowIso(request),
    createdBy: principal.principalId,
  };
  const secret = formatApiKeySecret(key.keyId, runtime.randomSecret());
  const audited = auditWrites(request, 'api-key.create', `api-key/${key.keyId}`, { tenantId, role: key.role });
  await runtime.apiKeys.create(key, apiKeyHash(secret), audited.items);
  auditCommitted(request, audited);
  return jsonResponse(201, { ...key, apiKey: secret });
}

export const handler = apiHandler(TENANT_ADMIN_ROLES, createApiKey);
