import { roundGpuHours } from '../bids/bid.js';
import { clearBids, fillAmountUsd } from '../bids/clearing.js';
import type { OpenBid } from '../bids/demand-curve.js';

/**
 * Scores a step's bids on the truth (issue 28): the bids placed by the step's start join the site's book; the GPU-hours
 * the decision gives bids, less what guaranteed and flex work took from those GPUs, are cleared by the same rule the
 * deployed clearing runs (core/bids/clearing.ts), at one uniform price; bids past their deadline leave the book unfilled.
 */
export interface BidTotals {
  bidRevenueUsd: number;
  bidFilledGpuHours: number;
  /** Work of bids whose deadline passed before it was filled. */
  bidExpiredGpuHours: number;
}

export interface StepBidTruth {
  /** The step's start, epoch ms: bid windows are instants. */
  readonly startMs: number;
  /** Bids placed during the step before it (seen by the next decision, cleared from this step on). */
  readonly arrivals: readonly OpenBid[];
}

export function emptyBidTotals(): BidTotals {
  return { bidRevenueUsd: 0, bidFilledGpuHours: 0, bidExpiredGpuHours: 0 };
}

/** Clears the step and returns the book that stays open and the GPU-hours filled. */
export function scoreBids(
  book: readonly OpenBid[],
  truth: StepBidTruth | undefined,
  capacityGpuHours: number,
  stepHours: number,
  totals: BidTotals,
): { book: OpenBid[]; filledGpuHours: number } {
  if (!truth) return { book: [...book], filledGpuHours: 0 };
  const endMs = truth.startMs + stepHours * 3_600_000;
  const all = [...book, ...truth.arrivals];
  const servable = all.filter((b) => b.earliestStartMs < endMs && b.deadlineMs > truth.startMs);
  const { fills, priceUsdPerGpuHour } = clearBids(servable, capacityGpuHours);
  const filled = new Map(fills.map((f) => [f.bidId, f.gpuHours]));
  let filledGpuHours = 0;
  for (const f of fills) {
    totals.bidRevenueUsd += fillAmountUsd(f.gpuHours, priceUsdPerGpuHour!);
    filledGpuHours += f.gpuHours;
  }
  totals.bidFilledGpuHours += filledGpuHours;
  const next: OpenBid[] = [];
  for (const bid of all) {
    const remainingGpuHours = roundGpuHours(bid.remainingGpuHours - (filled.get(bid.id) ?? 0));
    if (remainingGpuHours <= 0) continue;
    if (bid.deadlineMs <= endMs) totals.bidExpiredGpuHours += remainingGpuHours;
    else next.push({ ...bid, remainingGpuHours });
  }
  return { book: next, filledGpuHours };
}
