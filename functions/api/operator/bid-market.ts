import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { bidMarketQuerySchema } from '../../../core/api/bids.js';
import { bidMarket } from '../../../core/bids/order-book.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, parseQuery } from '../handler.js';

/**
 * GET /v1/market/bids[?hours=&modelClass=]: every tenant's open bids by model class with the book's depth by limit,
 * and the last clearings with their uniform prices, fills and skips. Operators only: a customer sees its own bids at
 * /v1/bids, never another tenant's.
 */
export async function getBidMarket({ event, runtime }: ApiRequest) {
  const { hours, modelClass } = parseQuery(event, bidMarketQuerySchema);
  const nowMs = runtime.clock.nowMs();
  const [open, clearings] = await Promise.all([
    runtime.bids.open(),
    runtime.bids.clearings(new Date(nowMs - hours * 3_600_000).toISOString(), new Date(nowMs).toISOString()),
  ]);
  return jsonResponse(200, bidMarket(open, clearings, nowMs, modelClass));
}

export const handler = apiHandler(OPERATOR_ROLES, getBidMarket);
