import { z } from 'zod';
import { idSchema, isoInstantSchema, storableNumber } from '../support/schema.js';

/**
 * The tiers a job runs in (core/serving/tiers.ts): `guaranteed` and `flex` are submitted by customers; `bid` is work
 * the platform creates for a cleared bid's fill (core/bids/fill-work.ts), billed on the fill, never submitted.
 */
export const workloadTierSchema = z.enum(['guaranteed', 'flex', 'bid']);
export type WorkloadTier = z.infer<typeof workloadTierSchema>;
/** The tiers a customer may submit a workload in. */
export const submittableTierSchema = z.enum(['guaranteed', 'flex']);

/** What a customer sends. Strict: an unknown field is refused, never silently dropped. */
export const workloadRequestSchema = z.strictObject({
  /** Open model id as served, e.g. meta-llama/Llama-3.1-70B-Instruct. */
  modelId: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/),
  inputTokens: z.number().int().positive().max(10_000_000),
  outputTokens: z.number().int().positive().max(10_000_000),
  tier: submittableTierSchema,
  deadline: isoInstantSchema,
  /** The most the customer will pay for the whole job, to a millionth of a dollar. */
  maxPriceUsd: storableNumber({ min: 0.000001, max: 1_000_000, decimals: 6 }),
});
export type WorkloadRequest = z.infer<typeof workloadRequestSchema>;

export const workloadStatusSchema = z.enum([
  'accepted',
  'queued',
  'running',
  'preempted',
  'completed',
  'failed',
  'cancelled',
]);
export type WorkloadStatus = z.infer<typeof workloadStatusSchema>;

export const workloadSchema = workloadRequestSchema.extend({
  tier: workloadTierSchema,
  id: idSchema,
  tenantId: idSchema,
  /** From the Idempotency-Key header: a repeat returns the first result. */
  idempotencyKey: z.string().min(1).max(128),
  submittedAt: isoInstantSchema,
  status: workloadStatusSchema,
  siteId: z.string().optional(),
  reason: z.string().max(500).optional(),
  /** 1 on first routing; each preemption that requeues the job adds one. */
  attempt: z.number().int().positive().optional(),
  /** The router's finish estimate for the attempt queued now (the deadline is checked against it up front). */
  estimatedFinishAt: isoInstantSchema.optional(),
});
export type Workload = z.infer<typeof workloadSchema>;
