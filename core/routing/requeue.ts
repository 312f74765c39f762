import type { RoutableJob } from './types.js';

/** `priority`: a more urgent request took the job's place in a serving engine's batch (core/serving/tiers.ts). */
export type PreemptionReason = 'capacity' | 'grid-emergency' | 'node-unhealthy' | 'priority';

export interface Preemption {
  readonly siteId: string;
  readonly reason: PreemptionReason;
  /** Output tokens the server kept (a checkpoint); 0 when the attempt restarts from the prompt. */
  readonly checkpointOutputTokens: number;
  /** What the kept tokens were billed on the preempted attempt. */
  readonly billedUsd: number;
}

/** Five attempts: enough to ride out a curtailment and an emergency, few enough to tell a customer early. */
export const DEFAULT_MAX_ATTEMPTS = 5;

export type RequeueOutcome =
  | { readonly kind: 'requeue'; readonly job: RoutableJob }
  | { readonly kind: 'fail'; readonly reason: 'preempted-too-often'; readonly detail: string };

/**
 * The job to route again after a preemption: the next attempt, asking only for what the checkpoint did not keep (the
 * kept output joins the prompt) and for what is left of the customer's budget. A grid emergency keeps it off the site
 * that shed it, so it claims other sites' capacity at once; after a plan shrink the router may pick the same site
 * later (its pool's `availableFromMs`) or another site now, whichever finishes first.
 */
export function requeueAfterPreemption(
  job: RoutableJob,
  preemption: Preemption,
  maxAttempts = DEFAULT_MAX_ATTEMPTS,
): RequeueOutcome {
  if (job.attempt >= maxAttempts) {
    return {
      kind: 'fail',
      reason: 'preempted-too-often',
      detail: `preempted on ${job.attempt} attempts (last: ${preemption.reason} at ${preemption.siteId})`,
    };
  }
  const kept = Math.min(Math.max(0, preemption.checkpointOutputTokens), job.outputTokens - 1);
  const avoid = preemption.reason === 'capacity' || preemption.reason === 'priority' ? [] : [preemption.siteId];
  return {
    kind: 'requeue',
    job: {
      ...job,
      attempt: job.attempt + 1,
      inputTokens: job.inputTokens + kept,
      outputTokens: job.outputTokens - kept,
      maxPriceUsd: Math.max(0, job.maxPriceUsd - preemption.billedUsd),
      avoidSiteIds: avoid,
    },
  };
}
