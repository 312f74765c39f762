import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { BID_FLOOR_USD_PER_GPU_HOUR, bidRuleIssues, newBid, placeBidBodySchema } from '../../../core/bids/bid.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, auditCommitted, auditWrites, nowIso, parseBody, tenantApiHandler } from '../handler.js';
import { bidRulesBroken } from './rules.js';

/** POST /v1/bids: places a bid for flex capacity; 422 naming the rule for a limit below the floor or a bad window. */
export async function placeBid(request: ApiRequest) {
  const { event, principal, runtime } = request;
  const body = parseBody(event, placeBidBodySchema);
  const now = nowIso(request);
  const issues = bidRuleIssues(body, { nowMs: Date.parse(now), floorUsdPerGpuHour: BID_FLOOR_USD_PER_GPU_HOUR });
  if (issues.length) throw bidRulesBroken(issues);
  // Time-ordered ids: a tenant's bids list in placement order.
  const bid = newBid(body, `bid-${Date.parse(now).toString(36)}-${runtime.randomHex(4)}`, principal.tenantId, now);
  const audited = auditWrites(request, 'bid.place', `bid/${bid.id}`);
  await runtime.bids.place(bid, audited.items);
  auditCommitted(request, audited);
  return jsonResponse(201, bid, { Location: `/v1/bids/${bid.id}` });
}

export const handler = tenantApiHandler(CUSTOMER_ROLES, placeBid);
