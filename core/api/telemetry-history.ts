import { z } from 'zod';
import { SITE_METRICS } from '../telemetry-history/queries.js';

/**
 * The history API's contract (GET /v1/sites/{siteId}/telemetry, GET /v1/fleet/kpis). A query is bounded so no call
 * scans more than a month of partitions or answers more than MAX_BUCKETS rows: too wide a window, too fine a step
 * for it, or too coarse a step is refused with a 400 naming the field and the limit.
 */
export const HISTORY_LIMITS = {
  /** Widest window: 31 days (a month of day partitions per site). */
  maxWindowMs: 31 * 86_400_000,
  minStepSeconds: 60,
  maxStepSeconds: 7 * 86_400,
  /** Most buckets one answer holds: a week at 5 minutes is 2,016. */
  maxBuckets: 2_100,
} as const;

const instantQuerySchema = z.iso.datetime({ offset: true });

const historyQueryFields = {
  from: instantQuerySchema,
  to: instantQuerySchema,
  /** Seconds per bucket. */
  step: z.coerce.number().int().min(HISTORY_LIMITS.minStepSeconds).max(HISTORY_LIMITS.maxStepSeconds).default(300),
  /** `live` (the platform), or a backtest strategy's name. */
  scenario: z
    .string()
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, underscore or dash')
    .default('live'),
};

/** The window's bounds, checked after the fields parse: order, width and bucket count, each naming its field. */
function checkWindow(q: { from: string; to: string; step: number }, ctx: z.core.$RefinementCtx): void {
  const span = Date.parse(q.to) - Date.parse(q.from);
  if (!(span > 0)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  else if (span > HISTORY_LIMITS.maxWindowMs)
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `the window may span at most ${HISTORY_LIMITS.maxWindowMs / 86_400_000} days`,
    });
  else if (span / (q.step * 1000) > HISTORY_LIMITS.maxBuckets)
    ctx.addIssue({
      code: 'custom',
      path: ['step'],
      message: `at most ${HISTORY_LIMITS.maxBuckets} buckets per answer: a step of at least ${Math.ceil(span / 1000 / HISTORY_LIMITS.maxBuckets)} s for this window`,
    });
}

export const siteTelemetryQuerySchema = z
  .strictObject({ ...historyQueryFields, metric: z.enum(SITE_METRICS).default('power') })
  .superRefine(checkWindow);
export type SiteTelemetryQuery = z.infer<typeof siteTelemetryQuerySchema>;

export const fleetKpisQuerySchema = z.strictObject(historyQueryFields).superRefine(checkWindow);
export type FleetKpisQuery = z.infer<typeof fleetKpisQuerySchema>;

const figure = z.number().nullable();

export const siteTelemetrySchema = z.object({
  siteId: z.string(),
  metric: z.enum(SITE_METRICS),
  scenario: z.string(),
  from: z.string(),
  to: z.string(),
  stepSeconds: z.number().int(),
  /**
   * One point per bucket with data, at the bucket's start; the metric's columns by name (`siteKw`, `limitKw`,
   * `asicKw`… for power; for group-states, `groupId`, `state` and the mean `units` in it, one point per pair).
   */
  points: z.array(z.object({ at: z.string() }).catchall(z.union([z.number(), z.string(), z.null()]))),
});
export type SiteTelemetry = z.infer<typeof siteTelemetrySchema>;

/** The fleet's KPIs over a window or one bucket of it; null where the window holds nothing to compute it from. */
export const fleetKpiFiguresSchema = z.object({
  /** Site power used over available (the site limits), 0–1. */
  powerUtilisation: figure,
  /** GPUs serving over GPUs powered, 0–1. */
  gpuUtilisation: figure,
  /** Share of heartbeat periods with a gateway heartbeat, over the sites heard from. */
  gatewayUptime: figure,
  /** Share of the API prober's calls (the canary) answered healthy. */
  apiUptime: figure,
  revenueUsdPerGpuMonth: figure,
  /** ASIC facility power over hashrate (J/TH, PUE applied). */
  fleetJPerTh: figure,
  energyCostUsdPerThDay: figure,
  switchP50Ms: figure,
  switchP99Ms: figure,
  apiP50Ms: figure,
  apiP99Ms: figure,
});
export type FleetKpiFigures = z.infer<typeof fleetKpiFiguresSchema>;

export const fleetKpisSchema = z.object({
  scenario: z.string(),
  from: z.string(),
  to: z.string(),
  stepSeconds: z.number().int(),
  /** Over the whole window (percentiles over every sample, not over the buckets). */
  window: fleetKpiFiguresSchema,
  points: z.array(fleetKpiFiguresSchema.extend({ at: z.string() })),
  /** The seed's targets the dashboard draws (utilisation > 95%, uptime 99.99%, …). */
  targets: z.object({
    powerUtilisation: z.number(),
    gatewayUptime: z.number(),
    apiUptime: z.number(),
    revenueUsdPerGpuMonth: z.number(),
    switchP99Ms: z.number(),
    apiP50Ms: z.number(),
  }),
});
export type FleetKpis = z.infer<typeof fleetKpisSchema>;

/** The seed's KPI targets (the project brief): what the KPI page and the measuring script compare with. */
export const SEED_KPI_TARGETS: FleetKpis['targets'] = {
  powerUtilisation: 0.95,
  gatewayUptime: 0.9999,
  apiUptime: 0.9999,
  revenueUsdPerGpuMonth: 5_000,
  switchP99Ms: 100,
  apiP50Ms: 50,
};
