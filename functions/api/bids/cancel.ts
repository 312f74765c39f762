import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { bidPathSchema } from '../../../core/api/bids.js';
import { jsonResponse } from '../../shared/http.js';
import {
  type ApiRequest,
  auditCommitted,
  auditWrites,
  notFound,
  nowIso,
  parsePath,
  tenantApiHandler,
} from '../handler.js';
import { bidChangeRefused } from './rules.js';

/**
 * POST /v1/bids/{bidId}/cancel: an open bid is cancelled at the version read, so it is never filled afterwards (the
 * clearing fills only an open bid at the version it read, bid-store.ts); fills before the cancel stand. A clearing
 * that commits in between makes the first try stale: read again and cancel what is left.
 */
export async function cancelBid(request: ApiRequest) {
  const { event, principal, runtime } = request;
  const { bidId } = parsePath(event, bidPathSchema);
  for (let attempt = 0; ; attempt += 1) {
    const bid = await runtime.bids.get(principal.tenantId, bidId);
    if (!bid) throw notFound('bid', bidId);
    const audited = auditWrites(request, 'bid.cancel', `bid/${bidId}`);
    const now = nowIso(request);
    const result = await runtime.bids.replace(
      { ...bid, status: 'cancelled', updatedAt: now, version: bid.version + 1 },
      audited.items,
    );
    if (result.ok) {
      auditCommitted(request, audited);
      return jsonResponse(200, result.bid);
    }
    if (result.reason !== 'changed' || attempt >= 2) throw bidChangeRefused(bidId, result);
  }
}

export const handler = tenantApiHandler(CUSTOMER_ROLES, cancelBid);
