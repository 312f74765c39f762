import { type SiteJob, siteJobSchema } from '../../core/routing/site-messages.js';
import { siteIdSchema } from '../../core/support/schema.js';
import { type FieldIssue, type Parsed, parseWith } from '../../core/support/validation.js';
import { SITE_ID_ATTRIBUTE } from './adapters/sqs-site-queue.js';
import type { SiteJobPublisher } from './ports.js';

/** The part of an SQS record the forwarder reads (`SQSRecord` from aws-lambda satisfies it). */
export interface QueuedSiteJob {
  readonly messageId: string;
  readonly body: string;
  readonly eventSourceARN?: string;
  readonly messageAttributes?: Readonly<Record<string, { readonly stringValue?: string } | undefined>>;
  readonly attributes?: { readonly ApproximateReceiveCount?: string };
}

export interface ForwardLog {
  error(message: string, attributes: Record<string, unknown>): void;
}

export interface ForwardDeps {
  readonly publisher: SiteJobPublisher;
  readonly log: ForwardLog;
}

export type RejectReason = 'malformed-body' | 'unknown-site' | 'publish-failed';

export interface ForwardResult {
  /** The SQS partial batch response: these messages stay on the queue and dead-letter after maxReceiveCount. */
  readonly batchItemFailures: { itemIdentifier: string }[];
  readonly forwarded: number;
  readonly rejected: Readonly<Record<RejectReason, number>>;
}

type Rejection = { readonly ok: false; readonly reason: RejectReason; readonly detail: Record<string, unknown> };
type Checked = { readonly ok: true; readonly siteId: string; readonly job: SiteJob } | Rejection;

function parseBody(body: string): Parsed<SiteJob> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    const issue: FieldIssue = { field: '(root)', rule: 'json', message: 'body is not valid JSON' };
    return { ok: false, issues: [issue] };
  }
  return parseWith(siteJobSchema, json);
}

/** The site a message is for: its `siteId` attribute, which the router sets (the only sender the queue allows). */
function siteOf(record: QueuedSiteJob): { readonly ok: true; readonly siteId: string } | Rejection {
  const fromAttribute = record.messageAttributes?.[SITE_ID_ATTRIBUTE]?.stringValue;
  const siteId = siteIdSchema.safeParse(fromAttribute);
  if (!siteId.success) {
    const detail = { attributeSite: fromAttribute ?? null, queue: record.eventSourceARN ?? null };
    return { ok: false, reason: 'unknown-site', detail };
  }
  return { ok: true, siteId: siteId.data };
}

function check(record: QueuedSiteJob): Checked {
  const site = siteOf(record);
  if (!site.ok) return site;
  const parsed = parseBody(record.body);
  if (!parsed.ok)
    return { ok: false, reason: 'malformed-body', detail: { siteId: site.siteId, issues: parsed.issues } };
  return { ok: true, siteId: site.siteId, job: parsed.value };
}

/**
 * Drains a batch of the site job queue into the sites' `jobs` topics. A record whose body is not a site job, whose site
 * cannot be told, or whose publish failed is logged and reported as a batch item failure: SQS redelivers it and, after
 * the queue's maxReceiveCount, moves it to the DLQ, where an operator sees it and can redrive it. Nothing is dropped.
 * The records of a batch are independent (standard queues do not order them), so they are published concurrently.
 */
export async function forwardSiteJobs(records: readonly QueuedSiteJob[], deps: ForwardDeps): Promise<ForwardResult> {
  const rejected: Record<RejectReason, number> = { 'malformed-body': 0, 'unknown-site': 0, 'publish-failed': 0 };
  const batchItemFailures: { itemIdentifier: string }[] = [];
  const reject = (record: QueuedSiteJob, reason: RejectReason, detail: Record<string, unknown>) => {
    rejected[reason] += 1;
    batchItemFailures.push({ itemIdentifier: record.messageId });
    deps.log.error(`site job not forwarded: ${reason}`, {
      messageId: record.messageId,
      receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
      ...detail,
    });
  };

  const outcomes = await Promise.all(
    records.map(async (record) => {
      const checked = check(record);
      if (!checked.ok) return reject(record, checked.reason, checked.detail);
      try {
        await deps.publisher.publish(checked.siteId, checked.job);
        return true;
      } catch (error) {
        const { jobId, attempt } = checked.job;
        return reject(record, 'publish-failed', { siteId: checked.siteId, jobId, attempt, error: String(error) });
      }
    }),
  );
  return { batchItemFailures, forwarded: outcomes.filter((o) => o === true).length, rejected };
}
