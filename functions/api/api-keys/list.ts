import { TENANT_ADMIN_ROLES } from '../../../core/api/access.js';
import { tenantScopeQuerySchema } from '../../../core/api/api-keys.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, parseQuery, tenantApiHandler } from '../handler.js';
import { managedScope } from '../tenants/access.js';

/** GET /v1/api-keys[?tenantId=] : a tenant's keys, never their secrets or hashes. */
export async function listApiKeys(caller: ApiRequest) {
  const { tenantId: requested } = parseQuery(caller.event, tenantScopeQuerySchema);
  const { tenantId, request } = await managedScope(caller, requested);
  return jsonResponse(200, { items: await request.runtime.apiKeys.list(tenantId) });
}

export const handler = tenantApiHandler(TENANT_ADMIN_ROLES, listApiKeys);
