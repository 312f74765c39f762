import { ADMIN_ROLES } from '../../../core/api/access.js';
import { listTenantsQuerySchema } from '../../../core/api/tenants.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, parseCursor, parseQuery, readPage } from '../handler.js';

/** GET /v1/tenants (admin): every tenant, by id, one page per call. */
export async function listTenants({ event, runtime }: ApiRequest) {
  const query = parseQuery(event, listTenantsQuerySchema);
  const after = parseCursor(query.cursor, ['tenantId']);
  return jsonResponse(200, await readPage(after, () => runtime.tenants.list(query.limit, after)));
}

export const handler = apiHandler(ADMIN_ROLES, listTenants);
