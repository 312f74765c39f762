import type { BidBlock } from '../optimizer/types.js';
import { type Bid, remainingGpuHours } from './bid.js';
import type { ClearingBid } from './clearing.js';

/**
 * Open bids as the planner and the backtest carry them in a site's state, and as the site model's demand curve: each
 * bid a block of GPU-hours at its limit over its window (core/optimizer/constraints/bids.ts).
 */
export interface OpenBid extends ClearingBid {
  readonly modelClass: string;
  readonly earliestStartMs: number;
  readonly deadlineMs: number;
}

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
 * The bids open at `decisionMs` as blocks of the site's horizon, hours from the decision; `share` of each bid's work
 * (a fleet's bids split over its sites by GPU capacity, so no two sites plan the same GPU-hour).
 */
export function bidBlocks(bids: readonly OpenBid[], decisionMs: number, share = 1): BidBlock[] {
  return bids
    .filter((b) => b.status === 'open' && b.remainingGpuHours > 0 && b.deadlineMs > decisionMs)
    .map((b) => ({
      bidId: b.id,
      limitUsdPerGpuHour: b.limitUsdPerGpuHour,
      gpuHours: b.remainingGpuHours * share,
      fromHour: Math.max(0, (b.earliestStartMs - decisionMs) / 3_600_000),
      toHour: (b.deadlineMs - decisionMs) / 3_600_000,
    }));
}
