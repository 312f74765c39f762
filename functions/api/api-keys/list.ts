import { TENANT_ADMIN_ROLES } from '../../../core/api/access.js';
import { tenantScopeQuerySchema } from '../../../core/api/api-keys.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, parseQuery } from '../handler.js';
import { managedTenant } from '../tenants/access.js';

/** GET /v1/api-keys[?tenantId=] : a tenant's keys, never their secrets or hashes. */
export async function listApiKeys(request: ApiRequest) {
  const { tenantId } = parseQuery(request.event, tenantScopeQuerySchema);
  const scope = await managedTenant(request, tenantId);
  return jsonResponse(200, { items: await request.runtime.apiKeys.list(scope) });
}

export const handler = apiHandler(TENANT_ADMIN_ROLES, listApiKeys);
