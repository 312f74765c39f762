import { roundGpuHours } from '../../core/bids/bid.js';
import { openBidOf } from '../../core/bids/demand-curve.js';
import type { Plan } from '../../core/model/plan.js';
import type { BidBook } from '../optimizer/ports.js';
import { type BidClearingStore, type BidVenues, clearInterval } from './clear-interval.js';

/**
 * The bid book of dispatch on the bid store: the open bids for the planner, and the clearing of a saved plan's first
 * interval. The plan gives GPU-hours to bids per site (the LP's split); summed over sites per model class, they are
 * what the interval's clearing sells, in limit order at one uniform price per class (a fleet-wide price: a customer
 * bids for capacity, not a site).
 */
export class StoreBidBook implements BidBook {
  constructor(
    private readonly store: BidClearingStore,
    private readonly intervalMinutes = 15,
    /** Partners for bids no site can take in time, and the fills' work. @default sites only, fills billed only */
    private readonly venues: BidVenues = {},
  ) {}

  async open() {
    return (await this.store.open()).map(openBidOf);
  }

  async clearPlan(plan: Plan, nowMs: number): Promise<void> {
    const planned = plan.sites.flatMap((site) => Object.entries(site.bidGpuHours ?? {}));
    const first = plan.sites[0]?.intervals[0];
    // Cleared also when the plan gives bids nothing (a price spike): a bid that cannot wait may go to a partner.
    if (!first) return;
    const classOf = new Map((await this.store.open()).map((bid) => [bid.id, bid.modelClass]));
    const capacity: Record<string, number> = {};
    for (const [bidId, gpuHours] of planned) {
      const modelClass = classOf.get(bidId);
      // A bid closed since the plan was made frees its GPU-hours: they go to the other bids of its class, if any.
      if (modelClass) capacity[modelClass] = roundGpuHours((capacity[modelClass] ?? 0) + gpuHours);
    }
    const startMs = Date.parse(first.startsAt);
    await clearInterval(
      this.store,
      {
        intervalStart: first.startsAt,
        intervalEnd: new Date(startMs + this.intervalMinutes * 60_000).toISOString(),
        capacityGpuHoursByClass: capacity,
        nowIso: new Date(nowMs).toISOString(),
      },
      this.venues,
    );
  }
}
