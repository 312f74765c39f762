import { ADMIN_ROLES } from '../../../core/api/access.js';
import { tenantPathSchema } from '../../../core/api/tenants.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, notFound, parsePath } from '../handler.js';

/** GET /v1/tenants/{tenantId} (admin). */
export async function getTenant({ event, runtime }: ApiRequest) {
  const { tenantId } = parsePath(event, tenantPathSchema);
  const tenant = await runtime.tenants.get(tenantId);
  if (!tenant) throw notFound('tenant', tenantId);
  return jsonResponse(200, tenant);
}

export const handler = apiHandler(ADMIN_ROLES, getTenant);
