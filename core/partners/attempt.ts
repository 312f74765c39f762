import type { MeteredAttempt } from '../metering/usage.js';
import type { JobState } from '../routing/job-state.js';
import { DEFAULT_MAX_ATTEMPTS } from '../routing/requeue.js';
import type { PartnerQuote } from './overflow.js';

/** A partner attempt's pool on metered lines: the partner has no pools HCP sees. */
export const PARTNER_POOL_ID = 'partner';

/** One attempt of one job handed to a partner: what the partner runner calls the partner with. */
export interface PartnerJob {
  readonly jobId: string;
  readonly tenantId: string;
  readonly attempt: number;
  readonly partnerId: string;
  readonly modelId: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly deadline: string;
}

/** How a partner call ended, as the runner saw it (after its own retries). */
export type PartnerOutcome =
  | {
      readonly kind: 'completed';
      /** Tokens the partner reports it processed (`usage`), what the customer is billed for. */
      readonly inputTokens: number;
      readonly outputTokens: number;
      /** The partner's charge for them at its list price. */
      readonly costUsd: number;
      readonly endedAtMs: number;
    }
  | { readonly kind: 'failed'; readonly detail: string; readonly endedAtMs: number };

/**
 * A pending job sent to a partner with its quote: queued there (the partner's id in place of a site) and the message
 * the runner gets. Undefined when the job is no longer the attempt the decision was for.
 */
export function assignToPartner(
  state: JobState,
  attempt: number,
  quote: PartnerQuote,
): { state: JobState; message: PartnerJob } | undefined {
  if (state.status !== 'pending' || state.job.attempt !== attempt) return undefined;
  return {
    state: {
      ...state,
      status: 'queued',
      siteId: quote.partnerId,
      poolId: PARTNER_POOL_ID,
      estimatedFinishMs: quote.estimatedFinishMs,
      partner: quote,
    },
    message: partnerJobOf(state.job, quote.partnerId),
  };
}

/** The runner's message for the job's current attempt at `partnerId`. */
export function partnerJobOf(job: JobState['job'], partnerId: string): PartnerJob {
  return {
    jobId: job.id,
    tenantId: job.tenantId,
    attempt: job.attempt,
    partnerId,
    modelId: job.modelId,
    inputTokens: job.inputTokens,
    outputTokens: job.outputTokens,
    deadline: new Date(job.deadlineMs).toISOString(),
  };
}

/**
 * When an attempt queued at a partner is stranded: by then a live runner has ended it (it stops at the job's deadline,
 * and within `runnerMaxMs` of the quote's estimated finish, the runner Lambda's timeout), so no result means the
 * runner died or its invocation went to the dead-letter queue. `graceMs` covers the runner's own commit.
 */
export function partnerAttemptOverdueAtMs(state: JobState, runnerMaxMs: number, graceMs: number): number | undefined {
  if (state.status !== 'queued' || !state.partner) return undefined;
  return Math.min(state.job.deadlineMs, state.partner.estimatedFinishMs + runnerMaxMs) + graceMs;
}

/**
 * A stranded attempt ended as a failure with the reason (back in line off that partner while attempts and the
 * deadline remain, else failed), once: applied to the job's version like any outcome, so a second sweep, or the
 * runner's late answer, finds it moved on and changes nothing. Undefined while the attempt may still end by itself.
 */
export function sweepStrandedAttempt(
  state: JobState,
  nowMs: number,
  runnerMaxMs: number,
  graceMs: number,
  maxAttempts = DEFAULT_MAX_ATTEMPTS,
): PartnerResult | undefined {
  const overdueAtMs = partnerAttemptOverdueAtMs(state, runnerMaxMs, graceMs);
  if (overdueAtMs === undefined || nowMs < overdueAtMs || !state.siteId) return undefined;
  const detail = `stranded: no result by ${new Date(overdueAtMs).toISOString()} (the runner stopped or its invocation went to the dead-letter queue)`;
  return applyPartnerOutcome(
    state,
    partnerJobOf(state.job, state.siteId),
    { kind: 'failed', detail, endedAtMs: nowMs },
    maxAttempts,
  );
}

/** Whether the job is queued at the message's partner on its attempt, not recorded yet, or moved on. */
export function attemptStanding(state: JobState, message: PartnerJob): 'current' | 'not-yet-queued' | 'stale' {
  if (state.status === 'pending' && state.job.attempt === message.attempt) return 'not-yet-queued';
  const current =
    state.status === 'queued' && state.job.attempt === message.attempt && state.siteId === message.partnerId;
  return current ? 'current' : 'stale';
}

export type PartnerResult =
  | {
      readonly ok: true;
      readonly effect: 'completed' | 'requeued' | 'failed';
      readonly entry: JobState;
      readonly record?: MeteredAttempt;
    }
  /** `not-yet-queued`: the router has not recorded the attempt yet (offer again); `stale`: it is not this attempt. */
  | { readonly ok: false; readonly error: 'not-yet-queued' | 'stale' };

/**
 * A partner's outcome applied to its job, once per attempt: the job must be queued at that partner on that attempt,
 * so a repeat (the runner's retry, a second invocation) finds it moved on and changes nothing — never a second
 * charge. A completed attempt is billed the quote (what the customer agreed to) and records the partner's charge; a
 * failed one bills nothing and puts the job back in line, off that partner, while attempts and the deadline remain
 * (the router then finds it a site, another partner, a wait, or a refusal with the reason), else fails it with why.
 */
export function applyPartnerOutcome(
  state: JobState,
  message: PartnerJob,
  outcome: PartnerOutcome,
  maxAttempts = DEFAULT_MAX_ATTEMPTS,
): PartnerResult {
  const standing = attemptStanding(state, message);
  if (standing !== 'current' || !state.partner)
    return { ok: false, error: standing === 'current' ? 'stale' : standing };
  const { job } = state;
  const quote = state.partner;
  const { partner: _quote, estimatedFinishMs: _finish, ...rest } = state;
  if (outcome.kind === 'completed') {
    const record: MeteredAttempt = {
      tenantId: job.tenantId,
      workloadId: job.id,
      attempt: job.attempt,
      siteId: quote.partnerId,
      poolId: PARTNER_POOL_ID,
      modelId: job.modelId,
      tier: job.tier,
      outcome: 'completed',
      completedAt: new Date(outcome.endedAtMs).toISOString(),
      gpuSeconds: 0,
      inputTokens: outcome.inputTokens,
      outputTokens: outcome.outputTokens,
      energyKwh: 0,
      priceUsd: quote.priceUsd,
      partnerId: quote.partnerId,
      partnerCostUsd: outcome.costUsd,
    };
    return { ok: true, effect: 'completed', entry: { ...rest, status: 'completed' }, record };
  }
  const reason = `partner-failed: ${quote.partnerId}: ${outcome.detail}`;
  if (job.attempt >= maxAttempts || outcome.endedAtMs >= job.deadlineMs) {
    return { ok: true, effect: 'failed', entry: { ...rest, status: 'failed', reason } };
  }
  const next = {
    ...job,
    attempt: job.attempt + 1,
    avoidPartnerIds: [...(job.avoidPartnerIds ?? []), quote.partnerId],
  };
  const { siteId: _site, poolId: _pool, ...waiting } = rest;
  return { ok: true, effect: 'requeued', entry: { ...waiting, job: next, status: 'pending', reason } };
}
