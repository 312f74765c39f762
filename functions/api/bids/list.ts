import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { listBidsQuerySchema } from '../../../core/api/bids.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, parseQuery, tenantApiHandler } from '../handler.js';

/** GET /v1/bids[?status=]: the tenant's bids with their fills, in placement order. */
export async function listBids(request: ApiRequest) {
  const { event, principal, runtime } = request;
  const { status } = parseQuery(event, listBidsQuerySchema);
  const bids = await runtime.bids.list(principal.tenantId);
  return jsonResponse(200, { items: status ? bids.filter((b) => b.status === status) : bids });
}

export const handler = tenantApiHandler(CUSTOMER_ROLES, listBids);
