import { z } from 'zod';
import type { SiteJob } from '../../../core/routing/site-messages.js';
import { siteIdSchema } from '../../../core/support/schema.js';
import { readConfig } from '../../shared/config.js';
import type { SiteQueuePort } from '../ports.js';
import { type SqsSender, sendJson } from './sqs-json.js';

/** The message attribute naming the site: the forwarder publishes to that site's `jobs` topic. */
export const SITE_ID_ATTRIBUTE = 'siteId';

/** `SITE_JOBS_QUEUE_URL`: the one queue every site's jobs go through (set by the CDK construct). */
export const siteJobsQueueConfigSchema = z.object({ SITE_JOBS_QUEUE_URL: z.url() });

export function readSiteJobsQueueUrl(env: NodeJS.ProcessEnv = process.env): string {
  return readConfig(siteJobsQueueConfigSchema, env).SITE_JOBS_QUEUE_URL;
}

/**
 * The site job queue: one SQS standard queue (with its DLQ) for every site, the site in the `siteId` message
 * attribute, so a site registered through the API needs no queue of its own; the body is the site job, as the
 * workers receive it.
 */
export class SqsSiteQueue implements SiteQueuePort {
  constructor(
    private readonly client: SqsSender,
    private readonly queueUrl: string,
  ) {}

  async send(siteId: string, job: SiteJob): Promise<void> {
    await sendJson(this.client, this.queueUrl, job, {
      [SITE_ID_ATTRIBUTE]: siteIdSchema.parse(siteId),
      jobId: job.jobId,
      attempt: job.attempt,
    });
  }
}
