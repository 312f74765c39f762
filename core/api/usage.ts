import { z } from 'zod';
import { idSchema, isoInstantSchema, nonNegative, siteIdSchema } from '../support/schema.js';

/**
 * One finished (or preempted) job attempt as metering records it. The router/metering work writes these, keyed by
 * tenant (functions/shared/data/workload-store.ts putUsageRecord); GET /v1/usage sums them by calendar month (UTC).
 */
export const usageRecordSchema = z.strictObject({
  tenantId: idSchema,
  workloadId: idSchema,
  /** 1 for the first run; a preempted job that is requeued runs again as attempt 2, and both attempts bill. */
  attempt: z.number().int().positive(),
  siteId: siteIdSchema,
  /** When the attempt ended; decides the period it counts in. */
  completedAt: isoInstantSchema,
  gpuSeconds: nonNegative,
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /** Site energy attributed to the job (GPU power × time × the site's PUE share). */
  energyKwh: nonNegative,
  priceUsd: nonNegative,
});
export type UsageRecord = z.infer<typeof usageRecordSchema>;

export const usagePeriodSchema = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a calendar month, YYYY-MM')
  .meta({ description: 'Calendar month (UTC), YYYY-MM', example: '2025-01' });

export const usageQuerySchema = z.strictObject({ period: usagePeriodSchema });

export const usageSummarySchema = z
  .object({
    tenantId: z.string(),
    period: usagePeriodSchema,
    jobs: z.number().int().nonnegative(),
    gpuSeconds: nonNegative,
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    energyKwh: nonNegative,
    priceUsd: nonNegative,
  })
  .meta({ id: 'UsageSummary' });
export type UsageSummary = z.infer<typeof usageSummarySchema>;

/** The month a record counts in. */
export const usagePeriodOf = (completedAt: string): string => new Date(completedAt).toISOString().slice(0, 7);

/** Sums of floats are kept to a micro-unit so 0.1 + 0.2 reads 0.3. */
const tidy = (x: number) => Math.round(x * 1e6) / 1e6;

/** Per-job records summed; a period with no records is all zeros, not an error. */
export function summarizeUsage(tenantId: string, period: string, records: readonly UsageRecord[]): UsageSummary {
  const jobs = new Set(records.map((r) => r.workloadId)).size;
  const sum = (pick: (r: UsageRecord) => number) => tidy(records.reduce((total, r) => total + pick(r), 0));
  return {
    tenantId,
    period,
    jobs,
    gpuSeconds: sum((r) => r.gpuSeconds),
    inputTokens: sum((r) => r.inputTokens),
    outputTokens: sum((r) => r.outputTokens),
    energyKwh: sum((r) => r.energyKwh),
    priceUsd: sum((r) => r.priceUsd),
  };
}
