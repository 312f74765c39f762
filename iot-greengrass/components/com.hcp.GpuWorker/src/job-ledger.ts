import { type JobReport, type SiteJob, siteJobSchema } from '../../../../core/routing/site-messages.js';
import { type FieldIssue, parseWith } from '../../../../core/support/validation.js';

/** What became of one delivered queue message. Malformed, stale and foreign messages are typed, never thrown. */
export type Delivery =
  | { readonly kind: 'accepted'; readonly jobId: string; readonly attempt: number }
  /** The same attempt again: ignored while it runs; its final report is sent again once it has ended. */
  | { readonly kind: 'duplicate'; readonly jobId: string; readonly attempt: number; readonly replayed: boolean }
  | { readonly kind: 'stale-attempt'; readonly jobId: string; readonly attempt: number; readonly current: number }
  | { readonly kind: 'malformed-job'; readonly issues: readonly FieldIssue[] }
  | { readonly kind: 'unknown-pool'; readonly jobId: string; readonly poolId: string };

export type CancelResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: 'unknown-job' | 'already-ended' };

/** A queue message read as a site job, or the fields that are wrong. Pure. */
export function parseJob(
  payload: string,
): { readonly ok: true; readonly job: SiteJob } | { readonly ok: false; readonly issues: readonly FieldIssue[] } {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { ok: false, issues: [{ field: '(root)', rule: 'json', message: 'not JSON' }] };
  }
  const parsed = parseWith(siteJobSchema, json);
  return parsed.ok ? { ok: true, job: parsed.value } : { ok: false, issues: parsed.issues };
}

interface Known {
  readonly attempt: number;
  state: 'pending' | 'running' | 'ended';
  report?: JobReport;
}

/** Whether a delivered attempt is new, one already taken (with its final report once it ended), or stale. */
export type Admission =
  | { readonly kind: 'new' }
  | { readonly kind: 'duplicate'; readonly report?: JobReport }
  | { readonly kind: 'stale'; readonly current: number };

/**
 * Every job the worker has taken, by id: its latest attempt, where it stands, and its final report. Delivery is at
 * least once, so an attempt seen before is never run again; its report is kept to answer the redelivery.
 */
export class JobLedger {
  private readonly known = new Map<string, Known>();

  admit(job: SiteJob): Admission {
    const known = this.known.get(job.jobId);
    if (!known || job.attempt > known.attempt) return { kind: 'new' };
    if (job.attempt < known.attempt) return { kind: 'stale', current: known.attempt };
    return { kind: 'duplicate', ...(known.report ? { report: known.report } : {}) };
  }

  /** Where the job's latest attempt stands; undefined for a job never taken. */
  state(jobId: string): Known['state'] | undefined {
    return this.known.get(jobId)?.state;
  }

  waiting(job: SiteJob): void {
    this.known.set(job.jobId, { attempt: job.attempt, state: 'pending' });
  }

  running(jobId: string): void {
    const known = this.known.get(jobId);
    if (known) known.state = 'running';
  }

  /** Records the attempt's final report for replay, unless a later attempt has been taken meanwhile. */
  ended(job: SiteJob, report: JobReport): void {
    const known = this.known.get(job.jobId);
    if (!known || known.attempt <= job.attempt)
      this.known.set(job.jobId, { attempt: job.attempt, state: 'ended', report });
  }
}
