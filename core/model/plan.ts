import { z } from 'zod';
import { ancillaryOffersSchema } from '../ancillary/products.js';
import { fourCpRecordSchema } from '../forecast/four-cp.js';
import { idSchema, isoInstantSchema, nonNegative, siteIdSchema } from '../support/schema.js';

export const asicSetpointSchema = z.strictObject({
  groupId: idSchema,
  /** Units hashing; the rest sleep. */
  unitsOn: z.number().int().nonnegative(),
  /** Power target of the whole group, asleep units included. */
  powerTargetKw: nonNegative,
  /** The group cannot be switched (monitoring-only firmware): held on at stock, whatever the price. */
  alwaysOn: z.literal(true).optional(),
});
export type AsicSetpoint = z.infer<typeof asicSetpointSchema>;

export const gpuSetpointSchema = z.strictObject({
  poolId: idSchema,
  gpusPowered: z.number().int().nonnegative(),
  gpusServing: z.number().int().nonnegative(),
  /** Of the GPUs serving, how many the plan gives to flex (deferrable) work; the rest wait for guaranteed work. */
  gpusServingFlex: z.number().int().nonnegative().optional(),
});
export type GpuSetpoint = z.infer<typeof gpuSetpointSchema>;

export const planIntervalSchema = z.strictObject({
  startsAt: isoInstantSchema,
  asicGroups: z.array(asicSetpointSchema).max(64),
  gpuPools: z.array(gpuSetpointSchema).max(32),
  /** Site power including facility overhead. */
  sitePowerKw: nonNegative,
});
export type PlanInterval = z.infer<typeof planIntervalSchema>;

/**
 * One rung of the merit-order ladder: above `stopAbovePriceUsdPerMwh` this device group costs more to power than it
 * earns, so the gateway curtails it on a price signal without asking the cloud.
 */
export const ladderRungSchema = z.strictObject({
  groupId: idSchema,
  kind: z.enum(['asic', 'gpu']),
  stopAbovePriceUsdPerMwh: z.number().finite(),
  /** Power the rung frees when curtailed. */
  sheddableKw: nonNegative,
});
export type LadderRung = z.infer<typeof ladderRungSchema>;

/** Units an ASIC group started or stopped, and how long before the plan's horizon start (minimum up/down times). */
const unitChangesSchema = z.record(
  idSchema,
  z.array(z.strictObject({ hoursAgo: nonNegative, units: z.number().int().positive() })).max(64),
);

/**
 * Where a site stood when the plan was made: the state the planner started from, carried to the next dispatch so
 * minimum up/down times hold across dispatches (core/strategies/carried-state.ts).
 */
export const siteStartStateSchema = z.strictObject({
  /** Units hashing just before the horizon start, per ASIC group. */
  unitsOn: z.record(idSchema, z.number().int().nonnegative()),
  recentStarts: unitChangesSchema,
  recentStops: unitChangesSchema,
});
export type SiteStartState = z.infer<typeof siteStartStateSchema>;

export const sitePlanSchema = z.strictObject({
  siteId: siteIdSchema,
  /** @default none (plans made before the receding-horizon planner) */
  startState: siteStartStateSchema.optional(),
  intervals: z.array(planIntervalSchema).min(1).max(2016),
  /** Sorted by ascending stop price: the first rung is the first to go. */
  ladder: z.array(ladderRungSchema).max(96),
  /**
   * Ancillary-service capacity the plan offers, per product and interval, with the clearing price it assumed
   * (core/ancillary/products.ts). @default none (plans made without the co-optimised planner)
   */
  ancillaryOffers: ancillaryOffersSchema.optional(),
  /**
   * GPU-hours the plan gives each open bid in its first interval (issue 28): what that interval's clearing sells.
   * @default none (no open bids)
   */
  bidGpuHours: z.record(idSchema, nonNegative).optional(),
});
export type SitePlan = z.infer<typeof sitePlanSchema>;

/** What the planner forecast the price with, over which horizon, on data of what age. */
export const planForecastSchema = z.strictObject({
  /** The forecaster used: `ridge` (the scheduled fit), or a fallback (`seasonal-naive`, `last-settled`). */
  forecaster: z.string().min(1).max(64),
  /** Why a fallback was used; absent when the preferred forecaster ran. */
  fallbackReason: z.string().max(256).optional(),
  horizonHours: nonNegative,
  stepMinutes: z.number().int().positive().max(60),
  /** The market history the forecast read: its first and last published real-time intervals. */
  dataFrom: isoInstantSchema.optional(),
  dataTo: isoInstantSchema.optional(),
  /** Minutes from the end of the newest published real-time interval to the plan's creation. */
  dataAgeMinutes: nonNegative.optional(),
  /** The ridge fit used: its training window and when it was fitted. */
  fitWindow: z.strictObject({ from: isoInstantSchema, to: isoInstantSchema }).optional(),
  fittedAt: isoInstantSchema.optional(),
});
export type PlanForecast = z.infer<typeof planForecastSchema>;

export const planSchema = z
  .strictObject({
    version: z.number().int().positive(),
    /** The site registry version of the fleet this plan was solved for (functions/fleet/registry-fleet.ts). */
    registryVersion: z.number().int().positive().optional(),
    createdAt: isoInstantSchema,
    horizonStart: isoInstantSchema,
    intervalMinutes: z.number().int().positive().max(60),
    sites: z.array(sitePlanSchema).min(1).max(500),
    solver: z.strictObject({
      mode: z.enum(['lp', 'milp', 'heuristic']),
      status: z.string().max(64),
      objectiveUsd: z.number().finite(),
      mipGapPct: z.number().finite().nonnegative().optional(),
      solveMs: nonNegative,
    }),
    /** @default none (plans made before the receding-horizon planner) */
    forecast: planForecastSchema.optional(),
    /** The 4CP forecast the planner weighed (core/forecast/four-cp.ts). @default none (no system load stored) */
    fourCp: fourCpRecordSchema.optional(),
    /**
     * Multi-region: each site's lease epoch when the plan was solved (core/switching/lease.ts). The plan is saved only
     * while the region still holds every one of them, and never over a plan that names a higher epoch for a site.
     * @default none (a single region)
     */
    leaseEpochs: z.record(z.string().min(1).max(256), z.number().int().positive()).optional(),
  })
  .superRefine((plan, ctx) => {
    plan.sites.forEach((site, s) => {
      site.ladder.forEach((rung, r) => {
        const previous = site.ladder[r - 1];
        if (previous && previous.stopAbovePriceUsdPerMwh > rung.stopAbovePriceUsdPerMwh) {
          ctx.addIssue({
            code: 'custom',
            path: ['sites', s, 'ladder', r],
            message: 'ladder must be sorted by ascending stop price',
          });
        }
      });
    });
  });
export type Plan = z.infer<typeof planSchema>;
