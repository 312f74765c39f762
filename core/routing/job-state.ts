import { canonicalJson } from '../api/canonical.js';
import { type MeteredAttempt, meterAttempt } from '../metering/usage.js';
import type { WorkloadStatus } from '../model/workload.js';
import type { PartnerQuote } from '../partners/overflow.js';
import { type FieldIssue, parseWith } from '../support/validation.js';
import { DEFAULT_PRICE_SHEET, type ModelRate, type PriceSheet } from './pricing.js';
import { DEFAULT_MAX_ATTEMPTS, requeueAfterPreemption } from './requeue.js';
import { type JobReport, jobReportSchema, type SiteJob } from './site-messages.js';
import type { RoutableJob, RoutingDecision } from './types.js';
import { type WorkloadEvent, type WorkloadEventType, workloadEventId } from './workload-events.js';

/** Hand-backs of unstarted attempts that do not count as attempts; beyond them each one counts. */
export const MAX_HAND_BACKS = 20;
/** The first pause after a hand-back, doubling each time up to the cap. */
const HAND_BACK_PAUSE_MS = 1_000;
const HAND_BACK_PAUSE_CAP_MS = 60_000;

/** `pending`: waiting to be routed (new or requeued); `queued`: handed to a site; then one of the two ends. */
export type JobStatus = 'pending' | 'queued' | 'completed' | 'failed';

/**
 * One job and its attempts, as the cloud keeps it (in memory in a JobBook, as one DynamoDB item in AWS): plain data,
 * so it round-trips through JSON and DynamoDB unchanged.
 */
export interface JobState {
  /** The job as its current attempt asks for it. */
  readonly job: RoutableJob;
  readonly status: JobStatus;
  readonly siteId?: string;
  readonly poolId?: string;
  readonly reason?: string;
  /** The router's finish estimate for the attempt queued now. */
  readonly estimatedFinishMs?: number;
  /** Set while the attempt queued now runs on a partner cloud (`siteId` is then the partner's id): its quote. */
  readonly partner?: PartnerQuote;
  /** Reports applied, by attempt: a repeat of one of these is a harmless duplicate. */
  readonly reports: Readonly<Record<string, JobReport>>;
}

export const newJobState = (job: RoutableJob): JobState => ({ job, status: 'pending', reports: {} });

export type ReportError =
  | { readonly kind: 'malformed-report'; readonly issues: readonly FieldIssue[] }
  | { readonly kind: 'unknown-job'; readonly jobId: string }
  | { readonly kind: 'stale-attempt'; readonly jobId: string; readonly attempt: number; readonly current: number }
  | { readonly kind: 'not-yet-queued'; readonly jobId: string; readonly attempt: number }
  | { readonly kind: 'conflicting-report'; readonly jobId: string; readonly attempt: number; readonly detail: string }
  | { readonly kind: 'unknown-pool'; readonly siteId: string; readonly poolId: string }
  | { readonly kind: 'wrong-site'; readonly jobId: string; readonly siteId: string; readonly assignedSiteId?: string };

export type ReportResult =
  | {
      readonly ok: true;
      readonly effect: 'completed' | 'requeued' | 'failed' | 'duplicate';
      readonly entry: JobState;
      /** The metered attempt; absent for a duplicate (it was recorded the first time). */
      readonly record?: MeteredAttempt;
    }
  | { readonly ok: false; readonly error: ReportError };

/**
 * The router hands an attempt to the site's queue before it records the job `queued` (a crash between the two must
 * leave the job routable, not queued and never sent), so a fast worker's report can arrive while the attempt it ends
 * still reads `pending`. That report is not wrong, only early: it is refused as `not-yet-queued` and must be offered
 * again (the report Lambda throws so its asynchronous invocation retries; locally it is retried). Applying it at once
 * instead would race the router's own commit of the same attempt; dropping it would leave the job queued forever.
 */
export const isRetryableReportError = (error: ReportError): boolean => error.kind === 'not-yet-queued';

export interface ReportRules {
  /** Serving figures of a model on a pool, to price what an attempt delivered. */
  readonly rateOf: (siteId: string, poolId: string, modelId: string) => ModelRate | undefined;
  readonly sheet?: PriceSheet;
  readonly maxAttempts?: number;
}

/** A worker's report as the cloud takes it: any JSON value, refused with the fields named when it does not parse. */
export function parseReport(raw: unknown): { ok: true; report: JobReport } | { ok: false; error: ReportError } {
  const parsed = parseWith(jobReportSchema, raw);
  return parsed.ok
    ? { ok: true, report: parsed.value }
    : { ok: false, error: { kind: 'malformed-report', issues: parsed.issues } };
}

/**
 * A routing decision applied to a pending job: its next state and, when assigned, the site message to send. Undefined
 * when the decision is not for the attempt waiting (routed meanwhile, or stale).
 */
export function decide(state: JobState, decision: RoutingDecision): { state: JobState; message?: SiteJob } | undefined {
  if (state.status !== 'pending' || state.job.attempt !== decision.attempt) return undefined;
  if (decision.kind === 'refused') {
    return { state: { ...state, status: 'failed', reason: `${decision.reason}: ${decision.detail}` } };
  }
  const { job } = state;
  return {
    state: {
      ...state,
      status: 'queued',
      siteId: decision.siteId,
      poolId: decision.poolId,
      estimatedFinishMs: decision.estimatedFinishMs,
    },
    message: {
      jobId: job.id,
      attempt: job.attempt,
      tenantId: job.tenantId,
      tier: job.tier,
      modelId: job.modelId,
      poolId: decision.poolId,
      inputTokens: job.inputTokens,
      outputTokens: job.outputTokens,
      deadline: new Date(job.deadlineMs).toISOString(),
    },
  };
}

/**
 * A parsed report applied to its job. Completion is idempotent (job id + attempt): the same report twice changes
 * nothing; a report for an attempt that is not the current one, or a second, different report for one attempt, is a
 * typed error, never a state change.
 */
export function applyReport(state: JobState, report: JobReport, rules: ReportRules): ReportResult {
  const seen = state.reports[String(report.attempt)];
  if (seen) {
    // Canonical: a report read back from DynamoDB keeps its values, not its key order.
    if (canonicalJson(seen) === canonicalJson(report)) return { ok: true, effect: 'duplicate', entry: state };
    const detail = `attempt ${report.attempt} already ended ${seen.outcome}; this report says ${report.outcome}`;
    return { ok: false, error: { kind: 'conflicting-report', jobId: report.jobId, attempt: report.attempt, detail } };
  }
  if (state.status === 'pending' && report.attempt === state.job.attempt) {
    return { ok: false, error: { kind: 'not-yet-queued', jobId: report.jobId, attempt: report.attempt } };
  }
  if (state.status !== 'queued' || report.attempt !== state.job.attempt) {
    const error = { kind: 'stale-attempt', jobId: report.jobId, attempt: report.attempt, current: state.job.attempt };
    return { ok: false, error: error as ReportError };
  }
  if (state.siteId !== report.siteId) {
    const error = { kind: 'wrong-site', jobId: report.jobId, siteId: report.siteId, assignedSiteId: state.siteId };
    return { ok: false, error: error as ReportError };
  }
  const rate = rules.rateOf(report.siteId, report.poolId, state.job.modelId);
  if (!rate) return { ok: false, error: { kind: 'unknown-pool', siteId: report.siteId, poolId: report.poolId } };
  const record = meterReport(state.job, report, rate, rules.sheet);
  const reports = { ...state.reports, [String(report.attempt)]: report };
  const next = afterReport(state, report, record, reports, rules.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const effect = next.status === 'completed' ? 'completed' : next.status === 'failed' ? 'failed' : 'requeued';
  return { ok: true, effect, entry: next, record };
}

function meterReport(job: RoutableJob, report: JobReport, rate: ModelRate, sheet?: PriceSheet): MeteredAttempt {
  const billed =
    report.outcome === 'completed'
      ? { billedInputTokens: report.inputTokens, billedOutputTokens: report.outputTokens }
      : {
          billedInputTokens: 0,
          billedOutputTokens: report.outcome === 'preempted' ? report.checkpointOutputTokens : 0,
        };
  return meterAttempt(
    {
      tenantId: job.tenantId,
      workloadId: job.id,
      attempt: report.attempt,
      siteId: report.siteId,
      poolId: report.poolId,
      modelId: job.modelId,
      tier: job.tier,
      outcome: report.outcome,
      endedAtMs: Date.parse(report.endedAt),
      gpuSeconds: report.gpuSeconds,
      energyKwh: report.energyKwh,
      ...billed,
    },
    rate,
    sheet ?? DEFAULT_PRICE_SHEET,
  );
}

function afterReport(
  state: JobState,
  report: JobReport,
  record: MeteredAttempt,
  reports: Record<string, JobReport>,
  maxAttempts: number,
): JobState {
  const ended = { job: state.job, siteId: report.siteId, poolId: report.poolId, reports };
  if (report.outcome === 'completed') return { ...ended, status: 'completed' };
  if (report.outcome === 'failed') return { ...ended, status: 'failed', reason: report.reason };
  // An attempt handed back before it ran (the site's capacity changed before the cloud's plan said so) costs the
  // customer nothing and does not use up an attempt; the job pauses, longer each time, before it is routed again.
  const handBacks = Object.values(reports).filter((r) => r.outcome === 'preempted' && r.gpuSeconds === 0).length;
  const unstarted = report.gpuSeconds === 0;
  const outcome = requeueAfterPreemption(
    state.job,
    {
      siteId: report.siteId,
      reason: report.reason,
      checkpointOutputTokens: report.checkpointOutputTokens,
      billedUsd: record.priceUsd,
    },
    maxAttempts + Math.min(handBacks, MAX_HAND_BACKS),
  );
  if (outcome.kind === 'fail') return { ...ended, status: 'failed', reason: `${outcome.reason}: ${outcome.detail}` };
  const pauseMs = Math.min(HAND_BACK_PAUSE_CAP_MS, HAND_BACK_PAUSE_MS * 2 ** (handBacks - 1));
  const job = unstarted ? { ...outcome.job, notBeforeMs: Date.parse(report.endedAt) + pauseMs } : outcome.job;
  return { job, status: 'pending', reason: `preempted: ${report.reason} at ${report.siteId}`, reports };
}

/** What the customer sees of a job's state: a requeued job reads `preempted` until it is queued again. */
export function workloadStatusOf(state: JobState): WorkloadStatus {
  if (state.status === 'pending') return state.job.attempt > 1 ? 'preempted' : 'accepted';
  return state.status;
}

/** The customer event a transition warrants, if any (a new pending first attempt is not news). */
export function workloadEventOf(state: JobState, nowMs: number, record?: MeteredAttempt): WorkloadEvent | undefined {
  const status = workloadStatusOf(state);
  const type: WorkloadEventType | undefined =
    status === 'queued'
      ? 'workload.queued'
      : status === 'preempted'
        ? 'workload.preempted'
        : status === 'completed'
          ? 'workload.completed'
          : status === 'failed'
            ? 'workload.failed'
            : undefined;
  if (!type) return undefined;
  // A preempted job's event is about the attempt that was preempted, the one before the attempt now waiting.
  const attempt = type === 'workload.preempted' ? state.job.attempt - 1 : state.job.attempt;
  return {
    id: workloadEventId(state.job.id, attempt, type),
    type,
    tenantId: state.job.tenantId,
    workloadId: state.job.id,
    attempt,
    occurredAt: new Date(nowMs).toISOString(),
    ...(state.siteId && type !== 'workload.preempted' ? { siteId: state.siteId } : {}),
    ...(state.reason && (type === 'workload.failed' || type === 'workload.preempted') ? { reason: state.reason } : {}),
    ...(type === 'workload.queued' && state.estimatedFinishMs !== undefined
      ? { estimatedFinishAt: new Date(state.estimatedFinishMs).toISOString() }
      : {}),
    ...(record
      ? {
          usage: {
            gpuSeconds: record.gpuSeconds,
            inputTokens: record.inputTokens,
            outputTokens: record.outputTokens,
            energyKwh: record.energyKwh,
            priceUsd: record.priceUsd,
          },
        }
      : {}),
  };
}

/** A workload as the customer submitted it, as the router first sees it. */
export function routableJobOf(workload: {
  readonly id: string;
  readonly tenantId: string;
  readonly modelId: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly tier: RoutableJob['tier'];
  readonly deadline: string;
  readonly maxPriceUsd: number;
  readonly submittedAt: string;
}): RoutableJob {
  return {
    id: workload.id,
    tenantId: workload.tenantId,
    modelId: workload.modelId,
    inputTokens: workload.inputTokens,
    outputTokens: workload.outputTokens,
    tier: workload.tier,
    deadlineMs: Date.parse(workload.deadline),
    maxPriceUsd: workload.maxPriceUsd,
    submittedAtMs: Date.parse(workload.submittedAt),
    attempt: 1,
  };
}

/** The router's progress on a workload, as the customer sees it on the workload. */
export interface WorkloadProgress {
  readonly status: WorkloadStatus;
  readonly attempt: number;
  readonly updatedAt: string;
  readonly siteId?: string;
  readonly reason?: string;
  readonly estimatedFinishAt?: string;
}

/** The customer's view of a job's state: where it is while queued or ended, why while failed or preempted. */
export function progressOf(state: JobState, updatedAt: string): WorkloadProgress {
  const status = workloadStatusOf(state);
  const located = status === 'queued' || status === 'completed' || status === 'failed';
  return {
    status,
    attempt: state.job.attempt,
    updatedAt,
    ...(located && state.siteId ? { siteId: state.siteId } : {}),
    ...((status === 'failed' || status === 'preempted') && state.reason ? { reason: state.reason } : {}),
    ...(status === 'queued' && state.estimatedFinishMs !== undefined
      ? { estimatedFinishAt: new Date(state.estimatedFinishMs).toISOString() }
      : {}),
  };
}
