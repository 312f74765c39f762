import { type MeteredAttempt, meterAttempt } from '../metering/usage.js';
import { type FieldIssue, parseWith } from '../support/validation.js';
import { DEFAULT_PRICE_SHEET, type ModelRate, type PriceSheet } from './pricing.js';
import { DEFAULT_MAX_ATTEMPTS, requeueAfterPreemption } from './requeue.js';
import { type JobReport, jobReportSchema, type SiteJob } from './site-messages.js';
import type { RoutableJob, RoutingDecision } from './types.js';

/** `pending`: waiting to be routed (new or requeued); `queued`: handed to a site; then one of the two ends. */
export type BookStatus = 'pending' | 'queued' | 'completed' | 'failed';

export interface BookEntry {
  /** The job as its current attempt asks for it. */
  readonly job: RoutableJob;
  readonly status: BookStatus;
  readonly siteId?: string;
  readonly poolId?: string;
  readonly reason?: string;
  /** Reports applied, by attempt: a repeat of one of these is a harmless duplicate. */
  readonly reports: ReadonlyMap<number, JobReport>;
}

export type ReportError =
  | { readonly kind: 'malformed-report'; readonly issues: readonly FieldIssue[] }
  | { readonly kind: 'unknown-job'; readonly jobId: string }
  | { readonly kind: 'stale-attempt'; readonly jobId: string; readonly attempt: number; readonly current: number }
  | { readonly kind: 'conflicting-report'; readonly jobId: string; readonly attempt: number; readonly detail: string }
  | { readonly kind: 'unknown-pool'; readonly siteId: string; readonly poolId: string };

export type ReportResult =
  | {
      readonly ok: true;
      readonly effect: 'completed' | 'requeued' | 'failed' | 'duplicate';
      readonly entry: BookEntry;
      /** The metered attempt; absent for a duplicate (it was recorded the first time). */
      readonly record?: MeteredAttempt;
    }
  | { readonly ok: false; readonly error: ReportError };

export interface JobBookOptions {
  /** Serving figures of a model on a pool, to price what an attempt delivered. */
  readonly rateOf: (siteId: string, poolId: string, modelId: string) => ModelRate | undefined;
  readonly sheet?: PriceSheet;
  readonly maxAttempts?: number;
}

function sameReport(a: JobReport, b: JobReport): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The cloud's book of jobs and their attempts: routing decisions put them on a site, site reports end attempts.
 * Completion is idempotent (job id + attempt): the same report twice changes nothing; a report for an attempt that is
 * not the current one, for a job it does not know, or that does not parse, is a typed error, never a state change.
 */
export class JobBook {
  private readonly entries = new Map<string, BookEntry>();
  private readonly records: MeteredAttempt[] = [];

  constructor(private readonly options: JobBookOptions) {}

  submit(job: RoutableJob): void {
    if (this.entries.has(job.id)) return;
    this.entries.set(job.id, { job, status: 'pending', reports: new Map() });
  }

  get(jobId: string): BookEntry | undefined {
    return this.entries.get(jobId);
  }

  all(): BookEntry[] {
    return [...this.entries.values()];
  }

  pending(): RoutableJob[] {
    return this.all()
      .filter((e) => e.status === 'pending')
      .map((e) => e.job);
  }

  /** Every metered attempt so far, in the order the reports arrived. */
  usage(): readonly MeteredAttempt[] {
    return this.records;
  }

  /** Applies a routing decision for a pending job: the site message to publish, or undefined when it was refused. */
  applyDecision(decision: RoutingDecision): SiteJob | undefined {
    const entry = this.entries.get(decision.jobId);
    if (entry?.status !== 'pending' || entry.job.attempt !== decision.attempt) return undefined;
    if (decision.kind === 'refused') {
      this.entries.set(entry.job.id, { ...entry, status: 'failed', reason: `${decision.reason}: ${decision.detail}` });
      return undefined;
    }
    this.entries.set(entry.job.id, { ...entry, status: 'queued', siteId: decision.siteId, poolId: decision.poolId });
    const { job } = entry;
    return {
      jobId: job.id,
      attempt: job.attempt,
      tenantId: job.tenantId,
      tier: job.tier,
      modelId: job.modelId,
      poolId: decision.poolId,
      inputTokens: job.inputTokens,
      outputTokens: job.outputTokens,
      deadline: new Date(job.deadlineMs).toISOString(),
    };
  }

  /** Applies a worker's report (any JSON value): see the class comment for what is refused. */
  report(raw: unknown): ReportResult {
    const parsed = parseWith(jobReportSchema, raw);
    if (!parsed.ok) return { ok: false, error: { kind: 'malformed-report', issues: parsed.issues } };
    const report = parsed.value;
    const entry = this.entries.get(report.jobId);
    if (!entry) return { ok: false, error: { kind: 'unknown-job', jobId: report.jobId } };
    const seen = entry.reports.get(report.attempt);
    if (seen) {
      if (sameReport(seen, report)) return { ok: true, effect: 'duplicate', entry };
      const detail = `attempt ${report.attempt} already ended ${seen.outcome}; this report says ${report.outcome}`;
      return { ok: false, error: { kind: 'conflicting-report', jobId: report.jobId, attempt: report.attempt, detail } };
    }
    if (entry.status !== 'queued' || report.attempt !== entry.job.attempt) {
      const error = { kind: 'stale-attempt', jobId: report.jobId, attempt: report.attempt, current: entry.job.attempt };
      return { ok: false, error: error as ReportError };
    }
    const rate = this.options.rateOf(report.siteId, report.poolId, entry.job.modelId);
    if (!rate) return { ok: false, error: { kind: 'unknown-pool', siteId: report.siteId, poolId: report.poolId } };
    const record = this.meter(entry.job, report, rate);
    this.records.push(record);
    const reports = new Map(entry.reports).set(report.attempt, report);
    const next = this.next(entry, report, record, reports);
    this.entries.set(entry.job.id, next);
    const effect = next.status === 'completed' ? 'completed' : next.status === 'failed' ? 'failed' : 'requeued';
    return { ok: true, effect, entry: next, record };
  }

  private meter(job: RoutableJob, report: JobReport, rate: ModelRate): MeteredAttempt {
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
      this.options.sheet ?? DEFAULT_PRICE_SHEET,
    );
  }

  private next(
    entry: BookEntry,
    report: JobReport,
    record: MeteredAttempt,
    reports: Map<number, JobReport>,
  ): BookEntry {
    if (report.outcome === 'completed') return { ...entry, status: 'completed', reports };
    if (report.outcome === 'failed') return { ...entry, status: 'failed', reason: report.reason, reports };
    const outcome = requeueAfterPreemption(
      entry.job,
      {
        siteId: report.siteId,
        reason: report.reason,
        checkpointOutputTokens: report.checkpointOutputTokens,
        billedUsd: record.priceUsd,
      },
      this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    );
    if (outcome.kind === 'fail') {
      return { ...entry, status: 'failed', reason: `${outcome.reason}: ${outcome.detail}`, reports };
    }
    return { job: outcome.job, status: 'pending', reports };
  }
}
