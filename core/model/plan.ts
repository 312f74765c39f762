import { z } from 'zod';
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

export const sitePlanSchema = z.strictObject({
  siteId: siteIdSchema,
  intervals: z.array(planIntervalSchema).min(1).max(2016),
  /** Sorted by ascending stop price: the first rung is the first to go. */
  ladder: z.array(ladderRungSchema).max(96),
});
export type SitePlan = z.infer<typeof sitePlanSchema>;

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
