import { z } from 'zod';
import { siteTopicPattern } from '../messages/topics.js';
import { workloadTierSchema } from '../model/workload.js';
import { idSchema, isoInstantSchema, nonNegative, siteIdSchema } from '../support/schema.js';

/** Per-site job queue (cloud → site) and the site's reports back; both QoS 1, so either side may see a message twice. */
export function siteJobTopic(siteId: string): string {
  return siteTopicPattern(siteIdSchema.parse(siteId), 'jobs');
}
export function siteJobReportTopic(siteId: string): string {
  return siteTopicPattern(siteIdSchema.parse(siteId), 'job-reports');
}
/** A customer's cancellation of a job handed to the site (cloud → site, QoS 1). */
export function siteJobCancelTopic(siteId: string): string {
  return siteTopicPattern(siteIdSchema.parse(siteId), 'job-cancels');
}

/** The worker drops the job if it waits, stops it if it runs, and reports it failed `cancelled by the customer`. */
export const jobCancelSchema = z.strictObject({
  jobId: idSchema,
  tenantId: idSchema,
  siteId: siteIdSchema,
  cancelledAt: isoInstantSchema,
});
export type JobCancel = z.infer<typeof jobCancelSchema>;

const tokens = z.number().int().nonnegative().max(10_000_000);

/** One attempt of one job, as the router hands it to a site's workers. */
export const siteJobSchema = z.strictObject({
  jobId: idSchema,
  /** A requeued job comes back with the next attempt; a worker never runs an attempt below one it has seen. */
  attempt: z.number().int().positive(),
  tenantId: idSchema,
  tier: workloadTierSchema,
  modelId: z.string().min(1).max(128),
  poolId: idSchema,
  inputTokens: tokens,
  outputTokens: tokens.min(1),
  deadline: isoInstantSchema,
  /** The prompt, when the request carries one; a worker synthesises `inputTokens` worth of text otherwise. */
  prompt: z.string().max(100_000).optional(),
});
export type SiteJob = z.infer<typeof siteJobSchema>;

const reportEnvelope = {
  jobId: idSchema,
  /** The job's tenant, as the site job carried it: the cloud finds the job in that tenant's scope only. */
  tenantId: idSchema,
  attempt: z.number().int().positive(),
  siteId: siteIdSchema,
  poolId: idSchema,
  nodeId: z.string().min(1).max(128),
  startedAt: isoInstantSchema,
  endedAt: isoInstantSchema,
  /** Metered on the node (core/metering/attribution.ts). */
  gpuSeconds: nonNegative,
  energyKwh: nonNegative,
};

/** What a worker says about an attempt once it ends. Completion is keyed by job id + attempt, so a repeat is harmless. */
export const jobReportSchema = z
  .discriminatedUnion('outcome', [
    z.strictObject({
      ...reportEnvelope,
      outcome: z.literal('completed'),
      inputTokens: tokens,
      outputTokens: tokens,
    }),
    z.strictObject({
      ...reportEnvelope,
      outcome: z.literal('preempted'),
      reason: z.enum(['capacity', 'grid-emergency', 'node-unhealthy', 'priority']),
      /** Output tokens the server kept; 0 when the attempt restarts. */
      checkpointOutputTokens: tokens,
    }),
    z.strictObject({
      ...reportEnvelope,
      outcome: z.literal('failed'),
      reason: z.string().min(1).max(500),
    }),
  ])
  .refine((r) => Date.parse(r.endedAt) >= Date.parse(r.startedAt), {
    path: ['endedAt'],
    message: 'must not be before startedAt',
  });
export type JobReport = z.infer<typeof jobReportSchema>;
