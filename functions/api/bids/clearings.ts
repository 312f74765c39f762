import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { tenantClearings } from '../../../core/bids/statement.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, tenantApiHandler } from '../handler.js';

/** GET /v1/bids/clearings: every fill of the tenant's bids, oldest interval first, at its interval's uniform price. */
export async function listClearings(request: ApiRequest) {
  const { principal, runtime } = request;
  return jsonResponse(200, { items: tenantClearings(await runtime.bids.list(principal.tenantId)) });
}

export const handler = tenantApiHandler(CUSTOMER_ROLES, listClearings);
