import { z } from 'zod';

/**
 * The work tiers a serving engine sees: `guaranteed` (capacity promised), `flex` (served when capacity is spare) and
 * `bid` (served when its price clears, core/bids). A tier maps onto vLLM's per-request `priority` (the server runs
 * with `--scheduling-policy priority`): lower values are scheduled first, and a waiting request with a lower value
 * preempts a running one with a higher value when the batch is full (vLLM PR #5958, "Adding Priority Scheduling").
 */
export const servingTierSchema = z.enum(['guaranteed', 'flex', 'bid']);
export type ServingTier = z.infer<typeof servingTierSchema>;

/** Gaps of 10 leave room for levels inside a tier (e.g. a bid's price band) without renumbering. */
export const ENGINE_PRIORITY_BY_TIER: Readonly<Record<ServingTier, number>> = { guaranteed: 0, flex: 10, bid: 20 };

/** vLLM's `priority` request field for a tier. */
export function enginePriority(tier: ServingTier): number {
  return ENGINE_PRIORITY_BY_TIER[tier];
}

/** Whether a waiting request takes a running one's place in a full batch: strictly more urgent only (FCFS on ties). */
export function preempts(waitingPriority: number, runningPriority: number): boolean {
  return waitingPriority < runningPriority;
}
