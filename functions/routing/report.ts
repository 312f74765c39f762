import type { Site } from '../../core/model/site.js';
import {
  applyReport,
  isRetryableReportError,
  parseReport,
  type ReportError,
  type ReportResult,
  type ReportRules,
} from '../../core/routing/job-state.js';
import { modelRateOf } from '../../core/routing/pool-state.js';
import type { DynamoJobStore } from '../shared/data/job-store.js';
import { offerAgainWhileEarly } from '../shared/offer-again.js';
import { commitTransition, type TransitionDeps } from './transitions.js';

export interface ReportDeps extends TransitionDeps {
  readonly jobs: Pick<DynamoJobStore, 'get' | 'commit'>;
  readonly sites: readonly Site[];
  /** Called after a preemption put the job back in line (locally: route now; in AWS the table's stream does it). */
  readonly onRequeued?: () => void;
}

export type SiteReportOutcome = ReportResult | { readonly ok: true; readonly effect: 'cancelled' };

/** Commits lost to a concurrent writer are retried on a fresh read this many times. */
const MAX_COMMIT_ATTEMPTS = 5;

export const reportRules = (sites: readonly Site[]): ReportRules => ({
  rateOf: (siteId, poolId, modelId) => modelRateOf(sites, siteId, poolId, modelId),
});

/**
 * A site worker's report (any JSON value, as the IoT rule hands it over) applied to its job: completion, failure or
 * preemption with requeue, metered and billed once. Malformed reports, unknown jobs, stale or conflicting attempts and
 * reports from a site the attempt was not sent to are typed errors that change nothing.
 */
export async function applySiteReport(deps: ReportDeps, raw: unknown): Promise<SiteReportOutcome> {
  const parsed = parseReport(raw);
  if (!parsed.ok) return parsed;
  const { report } = parsed;
  const unknown: ReportError = { kind: 'unknown-job', jobId: report.jobId };
  for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt += 1) {
    const stored = await deps.jobs.get(report.tenantId, report.jobId);
    if (!stored) return { ok: false, error: unknown };
    const result = applyReport(stored.state, report, reportRules(deps.sites));
    if (!result.ok || result.effect === 'duplicate') return result;
    const committed = await commitTransition(deps, stored, result.entry, result.record);
    if (committed === 'job-changed') continue;
    if (committed === 'cancelled') return { ok: true, effect: 'cancelled' };
    if (result.effect === 'requeued') deps.onRequeued?.();
    return result;
  }
  throw new Error(`job ${report.jobId}: ${MAX_COMMIT_ATTEMPTS} commits lost to concurrent writers`);
}

/**
 * A report offered again while it comes before the router recorded its attempt `queued` (the local platform's
 * stand-in for the report Lambda's asynchronous retries); after `maxTries` the early refusal is the outcome.
 */
export function applySiteReportWhenQueued(
  deps: ReportDeps,
  raw: unknown,
  wait: (ms: number) => Promise<void>,
  maxTries = 8,
): Promise<SiteReportOutcome> {
  return offerAgainWhileEarly(
    () => applySiteReport(deps, raw),
    (outcome) => !outcome.ok && isRetryableReportError(outcome.error),
    wait,
    maxTries,
  );
}
