import { z } from 'zod';
import { meteredAttemptSchema } from '../metering/usage.js';
import { partnerTotalsSchema } from '../partners/figures.js';
import { nonNegative } from '../support/schema.js';
import { tenantClearingSchema } from './bids.js';
import { usagePeriodSchema } from './usage.js';

/** GET /v1/usage/statement: a month, as JSON (default) or CSV. */
export const statementQuerySchema = z.strictObject({
  period: usagePeriodSchema,
  format: z.enum(['json', 'csv']).default('json'),
});

const totalsSchema = z.object({
  jobs: z.number().int().nonnegative(),
  attempts: z.number().int().nonnegative(),
  gpuSeconds: nonNegative,
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  energyKwh: nonNegative,
  priceUsd: nonNegative,
});

export const usageStatementSchema = z
  .object({
    tenantId: z.string(),
    period: usagePeriodSchema,
    /** Every attempt that ended in the month (a preempted attempt bills the tokens its checkpoint kept). */
    lines: z.array(meteredAttemptSchema),
    totals: totalsSchema,
    byTier: z.object({ guaranteed: totalsSchema, flex: totalsSchema, bid: totalsSchema }),
    /** Lines a partner cloud ran (part of `lines` and `totals`): price, the partners' cost, HCP's margin. */
    partner: partnerTotalsSchema,
    /** Fills of the tenant's bids whose interval starts in the month, each at its interval's uniform price (#28). */
    bidFills: z
      .object({
        lines: z.array(tenantClearingSchema),
        gpuHours: nonNegative,
        amountUsd: nonNegative,
        /** Credited for fills whose work failed or missed the deadline; `dueUsd` = amount − credit. */
        creditUsd: nonNegative,
        dueUsd: nonNegative,
      })
      .optional(),
  })
  .meta({ id: 'UsageStatement' });

/** GET /v1/fleet/gpu-figures: operators' month across every tenant. */
export const fleetFiguresQuerySchema = z.strictObject({ period: usagePeriodSchema });

export const fleetFiguresSchema = z
  .object({
    period: usagePeriodSchema,
    installedGpus: z.number().int().nonnegative(),
    revenueUsd: nonNegative,
    revenuePerGpuPerMonthUsd: nonNegative,
    /** Share of installed GPU time that served jobs in the month so far, 0–1. */
    gpuUtilization: z.number().min(0).max(1),
    energyKwh: nonNegative,
    preemptions: z.object({
      total: z.number().int().nonnegative(),
      flex: z.number().int().nonnegative(),
      guaranteed: z.number().int().nonnegative(),
    }),
    failedAttempts: z.number().int().nonnegative(),
    tenants: z.number().int().nonnegative(),
    /**
     * Work partner clouds ran (not in the GPU figures above, which are the fleet's own GPUs): price, cost, margin, and
     * the partners' share of the jobs completed in the month, 0–1.
     */
    partner: partnerTotalsSchema.extend({ shareOfCompletedJobs: z.number().min(0).max(1) }),
  })
  .meta({ id: 'FleetGpuFigures' });

/** The window of a month: its start, and its end or `nowMs` if the month is still running. */
export function monthWindow(period: string, nowMs: number): { fromMs: number; toMs: number } {
  const fromMs = Date.parse(`${period}-01T00:00:00Z`);
  const end = new Date(fromMs);
  end.setUTCMonth(end.getUTCMonth() + 1);
  return { fromMs, toMs: Math.max(fromMs, Math.min(end.getTime(), nowMs)) };
}
