import { z } from 'zod';
import { ancillaryRegistrationSchema } from '../ancillary/products.js';
import { idSchema, nonNegative, positive, siteIdSchema } from '../support/schema.js';

/**
 * One point of a miner's power-target curve: at `powerW` per unit the miner hashes `hashrateThs`.
 * Underclocked miners are more efficient per TH, so the curve is concave (checked below).
 */
export const powerCurvePointSchema = z.strictObject({ powerW: positive, hashrateThs: positive });
export type PowerCurvePoint = z.infer<typeof powerCurvePointSchema>;

/** Slopes (TH/s per W) must not increase along the curve, or a linear model of it would be wrong. */
export function isConcaveFromOrigin(points: readonly PowerCurvePoint[]): boolean {
  let previous = { powerW: 0, hashrateThs: 0 };
  let previousSlope = Number.POSITIVE_INFINITY;
  for (const point of points) {
    const slope = (point.hashrateThs - previous.hashrateThs) / (point.powerW - previous.powerW);
    if (!(point.powerW > previous.powerW) || slope > previousSlope + 1e-12 || slope < 0) return false;
    previousSlope = slope;
    previous = point;
  }
  return true;
}

export const asicGroupSchema = z
  .strictObject({
    id: idSchema,
    model: z.string().min(1).max(64),
    unitCount: z.number().int().positive(),
    /** Per unit, at stock settings. */
    nominalHashrateThs: positive,
    nominalPowerW: positive,
    /** Per unit, sorted by power; the last point is the highest allowed target. */
    powerCurve: z.array(powerCurvePointSchema).min(1).max(16),
    /** Per unit while curtailed with the control board awake (LuxOS `curtail sleep`). */
    sleepPowerW: nonNegative,
    wakeSeconds: nonNegative,
    sleepSeconds: nonNegative,
    minOnMinutes: nonNegative,
    minOffMinutes: nonNegative,
    /** Fan, board and PSU wear of one sleep/wake cycle of one unit. */
    wearUsdPerCycle: nonNegative.default(0.05),
    /** Whether this group may be tripped at once on an under-frequency event. */
    frequencyTrip: z.boolean().default(false),
    /**
     * A group the site cannot switch or retarget (stock cgminer firmware: monitoring only). The optimizer holds it
     * on at its top target, the plan marks it `alwaysOn`, and the ladder has no rung for it.
     */
    alwaysOn: z.boolean().default(false),
  })
  .superRefine((group, ctx) => {
    if (!isConcaveFromOrigin(group.powerCurve)) {
      ctx.addIssue({
        code: 'custom',
        path: ['powerCurve'],
        message: 'points must rise in power with non-increasing TH/s per W (concave through the origin)',
      });
    }
    if (group.sleepPowerW >= (group.powerCurve[0]?.powerW ?? 0)) {
      ctx.addIssue({ code: 'custom', path: ['sleepPowerW'], message: 'must be below the lowest power target' });
    }
  });
export type AsicGroup = z.infer<typeof asicGroupSchema>;

export const gpuPoolSchema = z.strictObject({
  id: idSchema,
  model: z.string().min(1).max(64),
  count: z.number().int().positive(),
  /** Per GPU, powered with a model loaded but no requests. */
  idlePowerW: nonNegative,
  /** Per GPU, serving at full batch. */
  servingPowerW: positive,
  /** Per GPU, output tokens per second for each open model it can serve. */
  throughputTokensPerSecByModel: z.record(z.string().min(1).max(128), positive),
  modelWarmupSeconds: nonNegative,
  memoryGb: positive,
});
export type GpuPool = z.infer<typeof gpuPoolSchema>;

export const demandResponseProgramSchema = z.enum(['ERS-10', 'ERS-30', 'ECRS', 'CLR', 'voluntary']);

export const demandResponseEnrolmentSchema = z.strictObject({
  program: demandResponseProgramSchema,
  /** Load the site promised to shed when deployed. */
  committedMw: positive,
  /** Standby (capacity) payment while enrolled. */
  capacityUsdPerMwh: nonNegative,
  /** Penalty per MWh not shed during a deployment. */
  shortfallPenaltyUsdPerMwh: nonNegative,
  /** How fast the load must be gone after a deployment instruction. */
  responseSeconds: positive,
});
export type DemandResponseEnrolment = z.infer<typeof demandResponseEnrolmentSchema>;

export const siteSchema = z
  .strictObject({
    id: siteIdSchema,
    name: z.string().min(1).max(128),
    market: z.literal('ERCOT'),
    /** ERCOT settlement point, e.g. HB_WEST or a load zone. */
    marketNode: z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/, 'upper-case ERCOT settlement point name, e.g. HB_WEST'),
    interconnectLimitMw: positive,
    /** Facility power over IT power (cooling, conversion). 1.0 means no overhead. */
    pue: z.number().finite().min(1).max(3),
    timeZone: z.string().min(1).max(64),
    demandResponse: z.array(demandResponseEnrolmentSchema).max(8).default([]),
    /**
     * The yearly transmission charge the site's utility bills per kW of its load in the four summer coincident peaks
     * (ERCOT 4CP). @default the grid terms' (core/economics/transmission.ts)
     */
    transmissionUsdPerKwYear: positive.max(500).optional(),
    /** Ancillary services the site is qualified to offer, and its relay set-point (core/ancillary/products.ts). */
    ancillary: ancillaryRegistrationSchema.optional(),
    asicGroups: z.array(asicGroupSchema).max(64),
    gpuPools: z.array(gpuPoolSchema).max(32),
  })
  .superRefine((site, ctx) => {
    const ids = [...site.asicGroups.map((g) => g.id), ...site.gpuPools.map((p) => p.id)];
    const seen = new Set<string>();
    ids.forEach((id) => {
      if (seen.has(id))
        ctx.addIssue({ code: 'custom', path: ['asicGroups'], message: `duplicate device group id ${id}` });
      seen.add(id);
    });
  });
export type Site = z.infer<typeof siteSchema>;

/** The site's cap in kW: its interconnect limit (MW), or a tighter cap for the interval when one is given. */
export function siteCapKw(site: Pick<Site, 'interconnectLimitMw'>, tighterCapKw?: number): number {
  const limitKw = site.interconnectLimitMw * 1000;
  return tighterCapKw === undefined ? limitKw : Math.min(limitKw, tighterCapKw);
}

/** While a demand-response program is deployed, the site's power must stay at or below baseline − committed. */
export function drCeilingKw(baselineKw: number, enrolment: Pick<DemandResponseEnrolment, 'committedMw'>): number {
  return Math.max(0, baselineKw - enrolment.committedMw * 1000);
}

export const fleetSchema = z
  .strictObject({
    sites: z.array(siteSchema).min(1).max(500),
    /** The site registry version this fleet was read at (functions/fleet); absent for a fleet built in code. */
    registryVersion: z.number().int().positive().optional(),
  })
  .superRefine((fleet, ctx) => {
    const seen = new Set<string>();
    fleet.sites.forEach((site, index) => {
      if (seen.has(site.id))
        ctx.addIssue({ code: 'custom', path: ['sites', index, 'id'], message: 'duplicate site id' });
      seen.add(site.id);
    });
  });
export type Fleet = z.infer<typeof fleetSchema>;
