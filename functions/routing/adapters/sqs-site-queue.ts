import { z } from 'zod';
import type { SiteJob } from '../../../core/routing/site-messages.js';
import { siteIdSchema } from '../../../core/support/schema.js';
import { readConfig } from '../../shared/config.js';
import type { SiteQueuePort } from '../ports.js';
import { type SqsSender, sendJson } from './sqs-json.js';

/** The message attribute naming the site: the forwarder publishes to that site's `jobs` topic. */
export const SITE_ID_ATTRIBUTE = 'siteId';

/** An environment variable holding JSON, validated by `schema` once parsed. */
export function jsonText<S extends z.ZodType>(schema: S) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** `SITE_QUEUE_URLS`: a JSON object, site id → the URL of that site's job queue (set by the CDK construct). */
export const siteQueueConfigSchema = z.object({ SITE_QUEUE_URLS: jsonText(z.record(siteIdSchema, z.url())) });

export function readSiteQueueUrls(env: NodeJS.ProcessEnv = process.env): Readonly<Record<string, string>> {
  return readConfig(siteQueueConfigSchema, env).SITE_QUEUE_URLS;
}

/** One SQS standard queue per site (with its DLQ); the message body is the site job, as the workers receive it. */
export class SqsSiteQueue implements SiteQueuePort {
  constructor(
    private readonly client: SqsSender,
    private readonly queueUrls: Readonly<Record<string, string>>,
  ) {}

  async send(siteId: string, job: SiteJob): Promise<void> {
    const queueUrl = this.queueUrls[siteId];
    if (!queueUrl) {
      const known = Object.keys(this.queueUrls).join(', ') || 'none';
      throw new Error(`no job queue for site ${siteId} in SITE_QUEUE_URLS (sites with a queue: ${known})`);
    }
    await sendJson(this.client, queueUrl, job, {
      [SITE_ID_ATTRIBUTE]: siteId,
      jobId: job.jobId,
      attempt: job.attempt,
    });
  }
}
