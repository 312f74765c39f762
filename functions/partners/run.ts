import {
  applyPartnerOutcome,
  attemptStanding,
  type PartnerJob,
  type PartnerOutcome,
} from '../../core/partners/attempt.js';
import { offerOf } from '../../core/partners/catalogue.js';
import { partnerCostUsd } from '../../core/partners/overflow.js';
import { commitTransition, type TransitionDeps, type TransitionResult } from '../routing/transitions.js';
import type { DynamoJobStore } from '../shared/data/job-store.js';
import { offerAgainWhileEarly } from '../shared/offer-again.js';
import type { PartnerCatalogueSource, PartnerClient, PartnerCredentials } from './ports.js';

export interface PartnerRunDeps extends TransitionDeps {
  readonly jobs: Pick<DynamoJobStore, 'get' | 'commit'>;
  readonly catalogue: PartnerCatalogueSource;
  readonly credentials: PartnerCredentials;
  readonly client: PartnerClient;
  /** Called when a failure put the job back in line (locally: route now; in AWS the table's stream does it). */
  readonly onRequeued?: () => void;
}

export type PartnerRunOutcome =
  | { readonly kind: 'completed' | 'requeued' | 'failed'; readonly transition: TransitionResult }
  /** The job is not this attempt at this partner any more (a repeat, a cancellation): nothing called, nothing billed. */
  | { readonly kind: 'stale' }
  /** The router has not yet recorded the attempt: offer it again (the Lambda throws so its async invocation retries). */
  | { readonly kind: 'not-yet-queued' };

/**
 * Runs one attempt on its partner and records how it ended. The job is read first: only an attempt queued at this
 * partner is called (a second invocation for an attempt already ended finds it moved on), and the outcome is
 * committed on the job's version, so a partner answer is billed at most once. A missing key, a partner gone from the
 * catalogue and a failed call all end the attempt as a failure with the reason (back in line, or failed past the
 * deadline), never a lost job.
 */
export async function runPartnerAttempt(deps: PartnerRunDeps, message: PartnerJob): Promise<PartnerRunOutcome> {
  const stored = await deps.jobs.get(message.tenantId, message.jobId);
  if (!stored) return { kind: 'stale' };
  const standing = attemptStanding(stored.state, message);
  if (standing !== 'current') return { kind: standing };
  const outcome = await callPartner(deps, message);
  // Read again: the call may have taken minutes, and the customer may have cancelled meanwhile.
  const fresh = await deps.jobs.get(message.tenantId, message.jobId);
  if (!fresh) return { kind: 'stale' };
  const result = applyPartnerOutcome(fresh.state, message, outcome);
  if (!result.ok) return { kind: 'stale' };
  const transition = await commitTransition(deps, fresh, result.entry, result.record);
  if (transition === 'committed' && result.effect === 'requeued') deps.onRequeued?.();
  return { kind: result.effect, transition };
}

async function callPartner(deps: PartnerRunDeps, message: PartnerJob): Promise<PartnerOutcome> {
  const failed = (detail: string): PartnerOutcome => ({ kind: 'failed', detail, endedAtMs: deps.clock.nowMs() });
  const partner = (await deps.catalogue.partners()).find((p) => p.partnerId === message.partnerId);
  const offer = partner && offerOf(partner, message.modelId);
  if (!partner || !offer) return failed(`${message.partnerId} no longer offers ${message.modelId}`);
  let apiKey: string;
  try {
    apiKey = await deps.credentials.apiKey(partner.partnerId);
  } catch (error) {
    return failed(`no API key: ${(error as Error).message}`);
  }
  const call = await deps.client.complete(partner, message, apiKey);
  if (!call.ok) return failed(`${call.detail} (${call.calls} calls)`);
  return {
    kind: 'completed',
    inputTokens: call.inputTokens,
    outputTokens: call.outputTokens,
    costUsd: partnerCostUsd(offer, call),
    endedAtMs: deps.clock.nowMs(),
  };
}

/**
 * An attempt offered again while the router has not recorded it queued (the local stand-in for the runner Lambda's
 * asynchronous retries); after `maxTries` the early refusal is the outcome and the attempt is left to the router.
 */
export function runPartnerAttemptWhenQueued(
  deps: PartnerRunDeps,
  message: PartnerJob,
  wait: (ms: number) => Promise<void>,
  maxTries = 8,
): Promise<PartnerRunOutcome> {
  return offerAgainWhileEarly(
    () => runPartnerAttempt(deps, message),
    (outcome) => outcome.kind === 'not-yet-queued',
    wait,
    maxTries,
  );
}
