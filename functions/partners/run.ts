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
import type { DynamoWorkloadStore } from '../shared/data/workload-store.js';
import { offerAgainWhileEarly } from '../shared/offer-again.js';
import type { PartnerCatalogueSource, PartnerClient, PartnerCredentials } from './ports.js';

export interface PartnerRunDeps extends TransitionDeps {
  readonly jobs: Pick<DynamoJobStore, 'get' | 'commit'>;
  readonly catalogue: PartnerCatalogueSource;
  readonly credentials: PartnerCredentials;
  readonly client: PartnerClient;
  /** Called when a failure put the job back in line (locally: route now; in AWS the table's stream does it). */
  readonly onRequeued?: () => void;
  /** The customer's view of the job, read while the partner works to see a cancellation. */
  readonly workloads: Pick<DynamoWorkloadStore, 'get'>;
  /** How often a call in flight looks for a cancellation. @default 5_000 */
  readonly cancelPollMs?: number;
}

export type PartnerRunOutcome =
  | { readonly kind: 'completed' | 'requeued' | 'failed'; readonly transition: TransitionResult }
  /** The customer cancelled while the partner worked: the call was aborted, the job closed, nothing billed. */
  | { readonly kind: 'cancelled'; readonly transition: TransitionResult }
  /** The job is not this attempt at this partner any more (a repeat, a cancellation): nothing called, nothing billed. */
  | { readonly kind: 'stale' }
  /** The router has not yet recorded the attempt: offer it again (the Lambda throws so its async invocation retries). */
  | { readonly kind: 'not-yet-queued' };

/**
 * Runs one attempt on its partner and records how it ended. The job is read first: only an attempt queued at this
 * partner is called (a second invocation for an attempt already ended finds it moved on), and the outcome is
 * committed on the job's version, so a partner answer is billed at most once. A missing key, a partner gone from the
 * catalogue and a failed call all end the attempt as a failure with the reason (back in line, or failed past the
 * deadline), never a lost job. While the partner works the workload is read every `cancelPollMs`: a cancellation aborts
 * the request (its AbortSignal through the adapter) and the attempt ends as cancelled, unbilled. OpenAI-style APIs have
 * no cancel call: a partner may finish the aborted request and charge HCP for it, never the customer.
 */
export async function runPartnerAttempt(deps: PartnerRunDeps, message: PartnerJob): Promise<PartnerRunOutcome> {
  const stored = await deps.jobs.get(message.tenantId, message.jobId);
  if (!stored) return { kind: 'stale' };
  const standing = attemptStanding(stored.state, message);
  if (standing !== 'current') return { kind: standing };
  const cancel = watchCancellation(deps, message);
  const outcome = await callPartner(deps, message, cancel.signal).finally(cancel.stop);
  // Read again: the call may have taken minutes, and the customer may have cancelled meanwhile.
  const fresh = await deps.jobs.get(message.tenantId, message.jobId);
  if (!fresh) return { kind: 'stale' };
  const result = applyPartnerOutcome(fresh.state, message, outcome);
  if (!result.ok) return { kind: 'stale' };
  // A cancelled workload refuses the transition's progress write: the job is closed as cancelled, without usage.
  const transition = await commitTransition(deps, fresh, result.entry, result.record);
  if (cancel.signal.aborted) return { kind: 'cancelled', transition };
  if (transition === 'committed' && result.effect === 'requeued') deps.onRequeued?.();
  return { kind: result.effect, transition };
}

/** Aborts when the customer cancels the workload; `stop` ends the watch. */
function watchCancellation(deps: PartnerRunDeps, message: PartnerJob): { signal: AbortSignal; stop: () => void } {
  const controller = new AbortController();
  const timer = setInterval(() => {
    deps.workloads
      .get(message.tenantId, message.jobId, true)
      .then((workload) => {
        if (workload?.status === 'cancelled') controller.abort(new Error(`workload ${message.jobId} cancelled`));
      })
      .catch((error: unknown) =>
        deps.log?.('partner-cancel-watch-failed', { jobId: message.jobId, error: String(error) }),
      );
  }, deps.cancelPollMs ?? 5_000);
  return { signal: controller.signal, stop: () => clearInterval(timer) };
}

async function callPartner(deps: PartnerRunDeps, message: PartnerJob, signal: AbortSignal): Promise<PartnerOutcome> {
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
  const call = await deps.client.complete(partner, message, apiKey, signal);
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
