import type { LpModel, LpVar } from '../lp-text.js';
import { FLEX_DELAY_DISCOUNT_PER_HOUR } from '../physics.js';
import type { SiteProblem } from '../types.js';
import type { StepContext, StepTimes } from './step.js';

/**
 * Bids for flex capacity (issue 28) as a demand curve beside mining. Per bid i open in step t, q_{i,t} GPU-hours
 * served at its limit; per model class c, Σ_{i of c} q_{i,t} ≤ the GPU-hours the GPUs serving c do in the step — only
 * pools that can serve c have such GPUs (gpu-serving.ts: throughput measured, weights fitting), so a bid is never
 * planned on GPUs that cannot run its model — and Σ_t q_{i,t} ≤ the bid's work. The objective pays each q at the
 * bid's limit; the GPUs' serving power is priced with the site's energy and, under the cap, displaces hashing: so a
 * bid is served only when its limit pays more than that. Clearing (core/bids/clearing.ts) then fills bids in limit
 * order from the GPU-hours the plan gives each class.
 *
 * All-or-nothing stays divisible here (a documented heuristic, as the issue allows), not a binary: the deployed
 * planner solves the LP relaxation (functions/optimizer/adapters/highs-fleet-solver.ts `mode: 'lp'`), where a binary
 * would be relaxed anyway, and a binary per all-or-nothing bid and step would make every dispatch with one a MILP. The
 * rule is kept where money moves: the clearing fills an all-or-nothing bid whole in one interval or skips it, never
 * splits it (core/bids/clearing.ts; tested on a plan that gives such a bid part of its work), and the planner leaves
 * out one larger than the site's GPUs of its model do in an interval (core/bids/demand-curve.ts bidBlocks).
 */
export interface BidStepVars {
  /** q_{i,t} by bid id, for the bids open in the step. */
  readonly servedByBid: ReadonlyMap<string, LpVar>;
}

/** Whether bid block [fromHour, toHour) overlaps step t. */
const openInStep = (times: StepTimes, t: number, fromHour: number, toHour: number) =>
  fromHour < times.endHours[t]! - 1e-9 && toHour > times.startHours[t]! + 1e-9;

export function addBids(
  ctx: StepContext,
  bidCapacity: ReadonlyMap<string, ReadonlyArray<readonly [LpVar, number]>>,
): BidStepVars {
  const { m, t, times, problem } = ctx;
  const servedByBid = new Map<string, LpVar>();
  const servedByClass = new Map<string, LpVar[]>();
  (problem.bids ?? []).forEach((bid, i) => {
    if (!openInStep(times, t, bid.fromHour, bid.toHour)) return;
    const q = m.addVar(`bq_${i}_${t}`, 0, bid.gpuHours);
    // As flex work: a little less the later it is served, so ties break towards now (what the clearing sells).
    m.addObjective(q, bid.limitUsdPerGpuHour * (1 - FLEX_DELAY_DISCOUNT_PER_HOUR * times.startHours[t]!));
    servedByBid.set(bid.bidId, q);
    servedByClass.set(bid.modelClass, [...(servedByClass.get(bid.modelClass) ?? []), q]);
  });
  // A class no pool of the site can serve has no capacity terms: its bids are held at 0.
  for (const [modelClass, served] of servedByClass) {
    m.addRow([...served.map((q) => [q, 1] as const), ...(bidCapacity.get(modelClass) ?? [])], '<=', 0);
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
