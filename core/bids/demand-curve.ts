import type { Site } from '../model/site.js';
import { bidServingSpeed } from '../optimizer/physics.js';
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

/** H100-equivalent GPU-hours of `modelClass` the site's GPUs serve per hour: only pools that can serve the model. */
export function siteBidGpuHoursPerHour(site: Site, modelClass: string): number {
  return site.gpuPools.reduce((a, p) => a + p.count * (bidServingSpeed(p, modelClass) ?? 0), 0);
}

/**
 * The bids open at `decisionMs` as blocks of the site's horizon, hours from the decision. The model treats every bid
 * as divisible (a relaxation); the clearing fills an all-or-nothing bid only whole in one interval, so one larger than
 * `maxIntervalGpuHours(modelClass)` (what the site's GPUs that serve its model do in an interval) is left out rather
 * than planned for and then skipped.
 */
export function bidBlocks(
  bids: readonly OpenBid[],
  decisionMs: number,
  maxIntervalGpuHours: (modelClass: string) => number = () => Number.POSITIVE_INFINITY,
): BidBlock[] {
  return bids
    .filter((b) => b.status === 'open' && b.remainingGpuHours > 0 && b.deadlineMs > decisionMs)
    .filter((b) => !b.allOrNothing || b.remainingGpuHours <= maxIntervalGpuHours(b.modelClass))
    .map((b) => ({
      bidId: b.id,
      modelClass: b.modelClass,
      limitUsdPerGpuHour: b.limitUsdPerGpuHour,
      gpuHours: b.remainingGpuHours,
      fromHour: Math.max(0, (b.earliestStartMs - decisionMs) / 3_600_000),
      toHour: (b.deadlineMs - decisionMs) / 3_600_000,
    }));
}

/**
 * The fleet's open bids split over its sites by their GPU capacity for each bid's model, by site id: each site's model
 * plans its share of every bid, so no two sites plan the same GPU-hour, and a site with no GPUs that can serve a bid's
 * model gets none of it (a heuristic split; the clearing sums what they give). `fleet` is the whole fleet, also when
 * only some of its sites are solved (a batch of the scaled-out dispatch).
 */
export function splitBidsOverSites(bids: readonly OpenBid[], fleet: readonly Site[]): Record<string, OpenBid[]> {
  const classes = [...new Set(bids.map((b) => b.modelClass))];
  const total = new Map(
    classes.map((c) => [c, fleet.reduce((a, site) => a + siteBidGpuHoursPerHour(site, c), 0)] as const),
  );
  return Object.fromEntries(
    fleet.map((site) => {
      const shares = new Map(
        classes.map((c) => [c, total.get(c)! > 0 ? siteBidGpuHoursPerHour(site, c) / total.get(c)! : 0] as const),
      );
      const mine = bids
        .filter((b) => shares.get(b.modelClass)! > 0)
        .map((b) => ({ ...b, remainingGpuHours: b.remainingGpuHours * shares.get(b.modelClass)! }));
      return [site.id, mine];
    }),
  );
}
