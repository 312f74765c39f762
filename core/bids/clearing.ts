import { roundGpuHours } from './bid.js';

/**
 * The clearing rule of issue 28, per model class and interval, as a pure function: the bids are sorted by limit
 * (highest first; ties by placement time, then id); the GPU-hours the plan assigns to bids fill them in that order;
 * an all-or-nothing bid that does not fit whole in what is left is skipped, not split, and the walk goes on to the
 * next bid (a documented heuristic: a smaller bid below it may still fit; it is not the optimum packing). The uniform
 * price is the lowest accepted limit, so no accepted bid pays above its limit. Only open bids are filled: a cancelled
 * or expired bid is never filled whatever the caller passes. Guaranteed work is not in the clearing: it is served
 * first, at its contract price, and `capacityGpuHours` is what the plan left for bids.
 */
export interface ClearingBid {
  readonly id: string;
  readonly tenantId: string;
  readonly limitUsdPerGpuHour: number;
  /** Work still wanted, H100-equivalent GPU-hours. */
  readonly remainingGpuHours: number;
  readonly allOrNothing: boolean;
  /** ISO instant; earlier placed wins a tie on the limit. */
  readonly placedAt: string;
  readonly status: string;
}

export interface ClearingFill {
  readonly bidId: string;
  readonly tenantId: string;
  readonly gpuHours: number;
  readonly limitUsdPerGpuHour: number;
}

export type SkipReason = 'all-or-nothing-does-not-fit' | 'no-capacity-left' | 'not-open';

export interface ClearingResult {
  readonly fills: readonly ClearingFill[];
  /** The uniform price of the interval, $/GPU-hour; undefined when nothing was filled. */
  readonly priceUsdPerGpuHour: number | undefined;
  readonly skipped: ReadonlyArray<{ readonly bidId: string; readonly reason: SkipReason }>;
  /** Capacity the plan assigned to bids that no bid took. */
  readonly unsoldGpuHours: number;
}

/** Highest limit first; ties by placement time, then id, so the order is total and repeatable. */
export function bidPriority(a: ClearingBid, b: ClearingBid): number {
  return (
    b.limitUsdPerGpuHour - a.limitUsdPerGpuHour || a.placedAt.localeCompare(b.placedAt) || a.id.localeCompare(b.id)
  );
}

export function clearBids(bids: readonly ClearingBid[], capacityGpuHours: number): ClearingResult {
  let left = roundGpuHours(Math.max(0, capacityGpuHours));
  const fills: ClearingFill[] = [];
  const skipped: Array<{ bidId: string; reason: SkipReason }> = [];
  for (const bid of [...bids].sort(bidPriority)) {
    const wanted = roundGpuHours(bid.remainingGpuHours);
    if (bid.status !== 'open' || wanted <= 0) {
      skipped.push({ bidId: bid.id, reason: 'not-open' });
      continue;
    }
    if (left <= 0) {
      skipped.push({ bidId: bid.id, reason: 'no-capacity-left' });
      continue;
    }
    if (bid.allOrNothing && wanted > left) {
      skipped.push({ bidId: bid.id, reason: 'all-or-nothing-does-not-fit' });
      continue;
    }
    const gpuHours = Math.min(wanted, left);
    left = roundGpuHours(left - gpuHours);
    fills.push({ bidId: bid.id, tenantId: bid.tenantId, gpuHours, limitUsdPerGpuHour: bid.limitUsdPerGpuHour });
  }
  const priceUsdPerGpuHour = fills.length ? Math.min(...fills.map((f) => f.limitUsdPerGpuHour)) : undefined;
  return { fills, priceUsdPerGpuHour, skipped, unsoldGpuHours: left };
}

/** What a fill bills: its GPU-hours at the uniform price, to the micro-dollar (statements add up exactly). */
export function fillAmountUsd(gpuHours: number, priceUsdPerGpuHour: number): number {
  return Math.round(gpuHours * priceUsdPerGpuHour * 1e6) / 1e6;
}
