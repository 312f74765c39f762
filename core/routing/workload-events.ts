import { z } from 'zod';
import { idSchema, isoInstantSchema, nonNegative, siteIdSchema } from '../support/schema.js';

/**
 * What a customer is told about a workload as it moves (by webhook, and the same state through GET /v1/workloads/{id}).
 * `id` is stable per (workload, attempt, type): a receiver that sees one twice (deliveries are at least once) drops
 * the repeat.
 */
export const workloadEventTypeSchema = z.enum([
  'workload.queued',
  'workload.preempted',
  'workload.completed',
  'workload.failed',
]);
export type WorkloadEventType = z.infer<typeof workloadEventTypeSchema>;

export const workloadEventSchema = z
  .strictObject({
    id: z.string().min(1).max(300),
    type: workloadEventTypeSchema,
    tenantId: idSchema,
    workloadId: idSchema,
    attempt: z.number().int().positive(),
    occurredAt: isoInstantSchema,
    siteId: siteIdSchema.optional(),
    /** Why it failed or was preempted (`deadline-infeasible: ...`, `capacity`, `grid-emergency`, ...). */
    reason: z.string().max(500).optional(),
    /** The router's estimate when queued: a customer learns at once whether the deadline holds. */
    estimatedFinishAt: isoInstantSchema.optional(),
    /** What this attempt billed, on completion or preemption. */
    usage: z
      .strictObject({
        gpuSeconds: nonNegative,
        inputTokens: z.number().int().nonnegative(),
        outputTokens: z.number().int().nonnegative(),
        energyKwh: nonNegative,
        priceUsd: nonNegative,
      })
      .optional(),
  })
  .meta({ id: 'WorkloadEvent' });
export type WorkloadEvent = z.infer<typeof workloadEventSchema>;

export const workloadEventId = (workloadId: string, attempt: number, type: WorkloadEventType): string =>
  `${workloadId}:${attempt}:${type}`;
