import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { bidPathSchema } from '../../../core/api/bids.js';
import { readFillWork } from '../../bids/fill-work.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, notFound, parsePath, tenantApiHandler } from '../handler.js';

/**
 * GET /v1/bids/{bidId}: the tenant's bid, each fill with how its work went (its parts' jobs: running, completed,
 * failed, and the credit for parts that failed or missed the deadline), and `unfilledReason` on an expired bid.
 */
export async function getBid(request: ApiRequest) {
  const { event, principal, runtime } = request;
  const { bidId } = parsePath(event, bidPathSchema);
  const bid = await runtime.bids.get(principal.tenantId, bidId);
  if (!bid) throw notFound('bid', bidId);
  const fills = await Promise.all(
    bid.fills.map(async (fill) => ({ ...fill, work: await readFillWork(runtime.jobs, bid, fill) })),
  );
  return jsonResponse(200, { ...bid, fills });
}

export const handler = tenantApiHandler(CUSTOMER_ROLES, getBid);
