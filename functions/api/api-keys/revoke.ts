import { TENANT_ADMIN_ROLES } from '../../../core/api/access.js';
import { apiKeyPathSchema, tenantScopeQuerySchema } from '../../../core/api/api-keys.js';
import { jsonResponse } from '../../shared/http.js';
import {
  type ApiRequest,
  apiHandler,
  auditCommitted,
  auditWrites,
  notFound,
  nowIso,
  parsePath,
  parseQuery,
} from '../handler.js';
import { managedTenant } from '../tenants/access.js';

/** DELETE /v1/api-keys/{keyId}[?tenantId=]: revokes at once; the authorizer refuses the key from then on. */
export async function revokeApiKey(request: ApiRequest) {
  const { keyId } = parsePath(request.event, apiKeyPathSchema);
  const { tenantId } = parseQuery(request.event, tenantScopeQuerySchema);
  const scope = await managedTenant(request, tenantId);
  const audited = auditWrites(request, 'api-key.revoke', `api-key/${keyId}`, { tenantId: scope });
  const result = await request.runtime.apiKeys.revoke(scope, keyId, nowIso(request), audited.items);
  if (!result.ok) throw notFound('api key', keyId);
  // A repeat finds the key revoked already: nothing was stored, so nothing is audited.
  if (result.revoked) auditCommitted(request, audited);
  return jsonResponse(200, result.key);
}

export const handler = apiHandler(TENANT_ADMIN_ROLES, revokeApiKey);
