import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { bidPathSchema } from '../../../core/api/bids.js';
import { amendBidBodySchema, amendedBid, BID_FLOOR_USD_PER_GPU_HOUR } from '../../../core/bids/bid.js';
import { jsonResponse } from '../../shared/http.js';
import {
  type ApiRequest,
  auditCommitted,
  auditWrites,
  notFound,
  nowIso,
  parseBody,
  parsePath,
  tenantApiHandler,
} from '../handler.js';
import { bidChangeRefused, bidRulesBroken } from './rules.js';

/**
 * PATCH /v1/bids/{bidId}: changes an open bid's amount, limit or window, in the bid's own unit; the amended bid meets
 * the same rules as a new one (the window counted for the work still left). Written only at the version read: a clearing in between is a
 * 409 to retry.
 */
export async function amendBid(request: ApiRequest) {
  const { event, principal, runtime } = request;
  const { bidId } = parsePath(event, bidPathSchema);
  const change = parseBody(event, amendBidBodySchema);
  const bid = await runtime.bids.get(principal.tenantId, bidId);
  if (!bid) throw notFound('bid', bidId);
  const now = nowIso(request);
  const ctx = { nowMs: Date.parse(now), floorUsdPerGpuHour: BID_FLOOR_USD_PER_GPU_HOUR };
  const amended = amendedBid(bid, change, ctx, now);
  if (!amended.ok) throw bidRulesBroken(amended.issues);
  const audited = auditWrites(request, 'bid.amend', `bid/${bidId}`);
  const result = await runtime.bids.replace(amended.bid, audited.items);
  if (!result.ok) throw bidChangeRefused(bidId, result);
  auditCommitted(request, audited);
  return jsonResponse(200, result.bid);
}

export const handler = tenantApiHandler(CUSTOMER_ROLES, amendBid);
