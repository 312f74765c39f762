import type { Site } from '../model/site.js';
import { gpuSpeed } from '../optimizer/physics.js';
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

/**
 * The fleet's open bids split over its sites by GPU capacity, by site id: each site's model plans its share of every
 * bid, so no two sites plan the same GPU-hour (a heuristic split; the clearing sums what they give). `fleet` is the
 * whole fleet, also when only some of its sites are solved (a batch of the scaled-out dispatch).
 */
export function splitBidsOverSites(bids: readonly OpenBid[], fleet: readonly Site[]): Record<string, OpenBid[]> {
  const capacity = (site: Site) => site.gpuPools.reduce((a, p) => a + p.count * gpuSpeed(p), 0);
  const total = fleet.reduce((a, site) => a + capacity(site), 0);
  return Object.fromEntries(
    fleet.map((site) => {
      const share = total > 0 ? capacity(site) / total : 0;
      return [site.id, share > 0 ? bids.map((b) => ({ ...b, remainingGpuHours: b.remainingGpuHours * share })) : []];
    }),
  );
}
