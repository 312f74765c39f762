import type { BidBlock, OpenBid } from '../optimizer/types.js';
import { type Bid, remainingGpuHours } from './bid.js';

export type { OpenBid };

/**
 * Open bids as the planner and the backtest carry them in a site's state (OpenBid, core/optimizer/types.ts), and as
 * the site model's demand curve: each bid a block of GPU-hours at its limit over its window
 * (core/optimizer/constraints/bids.ts).
 */

export function openBidOf(bid: Bid): OpenBid {
  return {
    id: bid.id,
    tenantId: bid.tenantId,
    modelClass: bid.modelClass,
    limitUsdPerGpuHour: bid.limitUsdPerGpuHour,
    remainingGpuHours: remainingGpuHours(bid),
    allOrNothing: bid.allOrNothing,
    placedAt: bid.placedAt,
    status: bid.status,
    earliestStartMs: Date.parse(bid.earliestStartAt),
    deadlineMs: Date.parse(bid.deadlineAt),
  };
}

/**
 * The bids open at `decisionMs` as blocks of the site's horizon, hours from the decision. The model treats every bid
 * as divisible (a relaxation); the clearing fills an all-or-nothing bid only whole in one interval, so one larger than
 * `maxIntervalGpuHours` (what the site's GPUs do in an interval) is left out rather than planned for and then skipped.
 */
export function bidBlocks(bids: readonly OpenBid[], decisionMs: number, maxIntervalGpuHours = Infinity): BidBlock[] {
  return bids
    .filter((b) => b.status === 'open' && b.remainingGpuHours > 0 && b.deadlineMs > decisionMs)
    .filter((b) => !b.allOrNothing || b.remainingGpuHours <= maxIntervalGpuHours)
    .map((b) => ({
      bidId: b.id,
      limitUsdPerGpuHour: b.limitUsdPerGpuHour,
      gpuHours: b.remainingGpuHours,
      fromHour: Math.max(0, (b.earliestStartMs - decisionMs) / 3_600_000),
      toHour: (b.deadlineMs - decisionMs) / 3_600_000,
    }));
}
