import { z } from 'zod';
import { marketSnapshotSchema } from '../model/market.js';
import { planIntervalSchema, planSchema } from '../model/plan.js';
import { siteSchema } from '../model/site.js';
import { isoInstantSchema, siteIdSchema } from '../support/schema.js';
import { powerLimitOverrideSchema, switchOverrideSchema } from '../switching/command.js';

/** Operator views of the fleet: sites with their gateways' latest state, plans, the market. Read-only. */

export const sitePathSchema = z.strictObject({ siteId: siteIdSchema });

/** The latest telemetry summary of one gateway, as the IoT latest-state rule writes it. */
export const gatewayStateSchema = z.object({
  gatewayId: z.string(),
  batchSeq: z.number().optional(),
  sentAt: z.string().optional(),
  sitePowerKw: z.number().optional(),
  droppedBatches: z.number().optional(),
  receivedAt: isoInstantSchema,
});
export type GatewayState = z.infer<typeof gatewayStateSchema>;

/** Where the site's switching stands: the SwitchFlow's last status, command, and any override in force. */
export const switchStateViewSchema = z.object({
  status: z.string().meta({
    description:
      'draining | commanded | committed | safe-mode | rejecting: the last switch ended on the gateway refusing the ' +
      "cloud's command (error Ack.Rejected, Ack.StaleSeq, Ack.ResyncRequired or ResyncExhausted; the gateway's " +
      'reason in cause) and none has committed since',
  }),
  updatedAt: z.string(),
  planVersion: z.number().optional(),
  commandId: z.string().optional(),
  seq: z.number().optional(),
  overrideUntil: z.string().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
});

export const siteViewSchema = z.object({
  site: siteSchema,
  gateways: z.array(gatewayStateSchema),
  lastHeartbeatAt: isoInstantSchema.optional(),
  switching: switchStateViewSchema.optional(),
  /** The current plan's interval covering now, if a plan is stored. */
  currentSetpoints: planIntervalSchema.optional(),
  planVersion: z.number().int().optional(),
});
export type SiteView = z.infer<typeof siteViewSchema>;
export const siteListSchema = z.object({ items: z.array(siteViewSchema) });

/** The newest `limit` (1–100, default 20) of a history. */
export const planHistoryQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const planVersionSummarySchema = z.object({
  version: z.number().int(),
  createdAt: z.string(),
  horizonStart: z.string(),
  siteCount: z.number().int(),
  solverMode: z.string(),
  solverStatus: z.string(),
});
export const planHistorySchema = z.object({ items: z.array(planVersionSummarySchema) });
export const currentPlanSchema = planSchema;

export const marketViewSchema = z.object({ snapshot: marketSnapshotSchema.nullable() });

/** The interval of `intervals` covering `nowMs`: the last one started at or before it, unless the horizon ended. */
export function intervalAt<T extends { startsAt: string }>(
  intervals: readonly T[],
  nowMs: number,
  intervalMinutes: number,
): T | undefined {
  let found: T | undefined;
  for (const interval of intervals) if (Date.parse(interval.startsAt) <= nowMs) found = interval;
  return found && nowMs < Date.parse(found.startsAt) + intervalMinutes * 60_000 ? found : undefined;
}

/** The longest an operator override may hold a site off its plan: past a day, re-plan instead. */
export const MAX_OVERRIDE_MS = 24 * 3600_000;

/** POST /v1/sites/{siteId}/overrides: force a mode or a curtailment, with a reason and an expiry within a day. */
export const overrideBodySchema = switchOverrideSchema;
export type OverrideBody = z.infer<typeof overrideBodySchema>;

/**
 * PUT /v1/sites/{siteId}/power-limit: cap the site's facility power (kW) until an expiry within a day. The gateway's
 * site power controller holds it beside the interconnect, demand-response and plan limits; the plan keeps running.
 */
export const powerLimitBodySchema = powerLimitOverrideSchema.omit({ kind: true });
export type PowerLimitBody = z.infer<typeof powerLimitBodySchema>;

export const overrideAcceptedSchema = z.object({
  siteId: siteIdSchema,
  executionName: z.string(),
  executionArn: z.string(),
  override: overrideBodySchema,
});

/** Why `expiresAt` is refused at `nowMs`, or undefined when it is in the future and at most a day away. */
export function overrideExpiryProblem(expiresAt: string, nowMs: number): string | undefined {
  const ms = Date.parse(expiresAt) - nowMs;
  if (ms <= 0) return 'must be in the future';
  if (ms > MAX_OVERRIDE_MS) return `must be at most ${MAX_OVERRIDE_MS / 3600_000} h ahead`;
  return undefined;
}

/**
 * One switch of a site: a SwitchFlow's end (committed on the gateway's ack, or compensated into the safe mode), or a
 * switch the gateway made on its own (`switch.local`: a grid signal, the site power controller, its timers).
 */
export const switchLogEntrySchema = z.object({
  siteId: siteIdSchema,
  at: isoInstantSchema,
  action: z.enum(['switch.commit', 'switch.safe-mode', 'switch.local']),
  /** Who decided: the cloud's SwitchFlow, or the gateway on its own. Absent on entries written before it was kept. */
  source: z.enum(['flow', 'local']).optional(),
  latencyMs: z.number().nonnegative().optional(),
  /** A local switch's devices: how many were sent and accepted, and the first ones by id. */
  devices: z.object({ sent: z.number().int(), accepted: z.number().int(), ids: z.array(z.string()) }).optional(),
  actor: z.string(),
  commandId: z.string().optional(),
  seq: z.number().int().optional(),
  kind: z.string().optional(),
  executionName: z.string().optional(),
  error: z.string().optional(),
  cause: z.string().optional(),
});
export type SwitchLogEntry = z.infer<typeof switchLogEntrySchema>;
export const switchHistoryQuerySchema = planHistoryQuerySchema;
export const switchHistorySchema = z.object({ items: z.array(switchLogEntrySchema) });
