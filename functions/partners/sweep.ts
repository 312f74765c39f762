import { sweepStrandedAttempt } from '../../core/partners/attempt.js';
import { commitTransition, type TransitionDeps, type TransitionResult } from '../routing/transitions.js';
import type { DynamoJobStore } from '../shared/data/job-store.js';
import type { PartnerCatalogueSource } from './ports.js';

/** The runner Lambda's timeout (stacks/constructs/partner-overflow.ts): no live runner works on past it. */
export const PARTNER_RUNNER_MAX_MS = 15 * 60_000;
/** Time for a runner that ended at its limit to commit what it got. */
export const PARTNER_SWEEP_GRACE_MS = 60_000;

export interface PartnerSweepDeps extends TransitionDeps {
  readonly jobs: Pick<DynamoJobStore, 'queuedAt' | 'commit'>;
  readonly catalogue: PartnerCatalogueSource;
  /** Called when a sweep put a job back in line (locally: route now; in AWS the table's stream does it). */
  readonly onRequeued?: () => void;
  /** @default PARTNER_RUNNER_MAX_MS */
  readonly runnerMaxMs?: number;
  /** @default PARTNER_SWEEP_GRACE_MS */
  readonly graceMs?: number;
}

export interface SweptAttempt {
  readonly jobId: string;
  readonly tenantId: string;
  readonly partnerId: string;
  readonly attempt: number;
  readonly effect: 'requeued' | 'failed';
  readonly reason: string;
  readonly transition: TransitionResult;
}

/**
 * The sweep of stranded partner attempts (a schedule in AWS, a timer in `npm start`): every job queued at a catalogued
 * partner whose attempt is overdue (core/partners/attempt.ts `sweepStrandedAttempt`) is ended as failed with the
 * reason, put back in line or refused, and committed on the job's version: two sweeps at once, or a sweep and the
 * runner's late answer, end the attempt once; the loser changes nothing and bills nothing.
 */
export async function sweepStrandedPartnerAttempts(deps: PartnerSweepDeps): Promise<SweptAttempt[]> {
  const swept: SweptAttempt[] = [];
  for (const partner of await deps.catalogue.partners()) {
    for (const stored of await deps.jobs.queuedAt(partner.partnerId)) {
      const result = sweepStrandedAttempt(
        stored.state,
        deps.clock.nowMs(),
        deps.runnerMaxMs ?? PARTNER_RUNNER_MAX_MS,
        deps.graceMs ?? PARTNER_SWEEP_GRACE_MS,
      );
      if (!result?.ok || result.effect === 'completed') continue;
      const transition = await commitTransition(deps, stored, result.entry);
      if (transition === 'job-changed') continue;
      if (transition === 'committed' && result.effect === 'requeued') deps.onRequeued?.();
      const { job } = stored.state;
      swept.push({
        jobId: job.id,
        tenantId: job.tenantId,
        partnerId: partner.partnerId,
        attempt: job.attempt,
        effect: result.effect,
        reason: result.entry.reason ?? '',
        transition,
      });
      deps.log?.('partner-attempt-swept', { ...swept.at(-1) });
    }
  }
  return swept;
}
