import type { LpModel, LpVar } from '../lp-text.js';
import { FLEX_DELAY_DISCOUNT_PER_HOUR } from '../physics.js';
import type { SiteProblem } from '../types.js';
import type { StepContext, StepTimes } from './step.js';

/**
 * Bids for flex capacity (issue 28) as a demand curve beside mining. Per bid i open in step t, q_{i,t} GPU-hours
 * served at its limit; Σ_i q_{i,t} ≤ the GPU-hours the pools' bid-serving GPUs do in the step (gpu-serving.ts), and
 * Σ_t q_{i,t} ≤ the bid's work. The objective pays each q at the bid's limit; the GPUs' serving power is priced with
 * the site's energy and, under the cap, displaces hashing: so a bid is served only when its limit pays more than
 * that. Clearing (core/bids/clearing.ts) then fills bids in limit order from the GPUs the plan gives bids.
 */
export interface BidStepVars {
  /** q_{i,t} by bid id, for the bids open in the step. */
  readonly servedByBid: ReadonlyMap<string, LpVar>;
}

/** Whether bid block [fromHour, toHour) overlaps step t. */
const openInStep = (times: StepTimes, t: number, fromHour: number, toHour: number) =>
  fromHour < times.endHours[t]! - 1e-9 && toHour > times.startHours[t]! + 1e-9;

export function addBids(ctx: StepContext, bidCapacity: ReadonlyArray<readonly [LpVar, number]>): BidStepVars {
  const { m, t, times, problem } = ctx;
  const servedByBid = new Map<string, LpVar>();
  (problem.bids ?? []).forEach((bid, i) => {
    if (!openInStep(times, t, bid.fromHour, bid.toHour)) return;
    const q = m.addVar(`bq_${i}_${t}`, 0, bid.gpuHours);
    // As flex work: a little less the later it is served, so ties break towards now (what the clearing sells).
    m.addObjective(q, bid.limitUsdPerGpuHour * (1 - FLEX_DELAY_DISCOUNT_PER_HOUR * times.startHours[t]!));
    servedByBid.set(bid.bidId, q);
  });
  if (servedByBid.size > 0) {
    m.addRow([...[...servedByBid.values()].map((q) => [q, 1] as const), ...bidCapacity], '<=', 0);
  }
  return { servedByBid };
}

/** Σ_t q_{i,t} ≤ the bid's work: a bid open over several steps is not served twice. */
export function addBidTotals(m: LpModel, problem: SiteProblem, steps: readonly BidStepVars[]): void {
  for (const bid of problem.bids ?? []) {
    const served = steps.flatMap((s) => {
      const q = s.servedByBid.get(bid.bidId);
      return q ? [[q, 1] as const] : [];
    });
    if (served.length > 1) m.addRow(served, '<=', bid.gpuHours);
  }
}
