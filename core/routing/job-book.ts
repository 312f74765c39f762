import type { MeteredAttempt } from '../metering/usage.js';
import {
  applyReport,
  decide,
  type JobState,
  newJobState,
  parseReport,
  type ReportResult,
  type ReportRules,
} from './job-state.js';
import type { SiteJob } from './site-messages.js';
import type { RoutableJob, RoutingDecision } from './types.js';

export type { JobStatus as BookStatus, ReportError, ReportResult } from './job-state.js';
export type BookEntry = JobState;
export type JobBookOptions = ReportRules;

/**
 * The cloud's book of jobs and their attempts held in memory (the transitions are core/routing/job-state.ts, which the
 * DynamoDB job store applies the same way): routing decisions put jobs on a site, site reports end attempts.
 */
export class JobBook {
  private readonly entries = new Map<string, JobState>();
  private readonly records: MeteredAttempt[] = [];

  constructor(private readonly options: JobBookOptions) {}

  submit(job: RoutableJob): void {
    if (!this.entries.has(job.id)) this.entries.set(job.id, newJobState(job));
  }

  get(jobId: string): JobState | undefined {
    return this.entries.get(jobId);
  }

  all(): JobState[] {
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
    const next = entry && decide(entry, decision);
    if (!next) return undefined;
    this.entries.set(decision.jobId, next.state);
    return next.message;
  }

  /** Applies a worker's report (any JSON value): see applyReport for what is refused. */
  report(raw: unknown): ReportResult {
    const parsed = parseReport(raw);
    if (!parsed.ok) return parsed;
    const entry = this.entries.get(parsed.report.jobId);
    if (!entry) return { ok: false, error: { kind: 'unknown-job', jobId: parsed.report.jobId } };
    const result = applyReport(entry, parsed.report, this.options);
    if (result.ok && result.effect !== 'duplicate') {
      this.entries.set(entry.job.id, result.entry);
      if (result.record) this.records.push(result.record);
    }
    return result;
  }
}
