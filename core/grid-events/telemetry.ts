import { z } from 'zod';
import { deviceStateSchema } from '../messages/telemetry.js';
import { idSchema, isoInstantSchema, nonNegative } from '../support/schema.js';

/**
 * What the evidence is computed from: the site meter's readings and each device's samples, as the gateways' telemetry
 * batches carry them (`sitePowerKw` at `sentAt`, and each device metric). Ordered by time by the caller.
 */
export const meterReadingSchema = z.object({ at: isoInstantSchema, sitePowerKw: nonNegative });
export type MeterReading = z.infer<typeof meterReadingSchema>;

export const deviceSampleSchema = z.object({
  at: isoInstantSchema,
  deviceId: idSchema,
  groupId: idSchema,
  kind: z.enum(['asic', 'gpu']),
  state: deviceStateSchema,
  powerW: nonNegative,
});
export type DeviceSample = z.infer<typeof deviceSampleSchema>;

/**
 * A switch of the site's switch history (GET /v1/sites/{siteId}/switches): one the gateway made on its own (`local`:
 * a grid signal, its power controller, a restore timer; which devices and how fast) or a SwitchFlow's (`flow`).
 */
export const siteSwitchSchema = z.object({
  at: isoInstantSchema,
  source: z.enum(['local', 'flow']),
  action: z.string(),
  /** A local switch's trigger: `grid:price`, `grid:demand-response`, `grid:frequency`, `power-limit`, `tick`. */
  cause: z.string().optional(),
  latencyMs: z.number().nonnegative().optional(),
  devices: z.object({ sent: z.number().int(), accepted: z.number().int(), ids: z.array(z.string()) }).optional(),
});
export type SiteSwitch = z.infer<typeof siteSwitchSchema>;

export interface EventTelemetry {
  /** Oldest first. */
  readonly meter: readonly MeterReading[];
  /** Oldest first. */
  readonly devices: readonly DeviceSample[];
  /** The site's switch history over the window, oldest first. @default none read */
  readonly switches?: readonly SiteSwitch[];
}

/** Mean of the readings in [fromMs, toMs), or undefined when there are none. */
export function meanKw(meter: readonly MeterReading[], fromMs: number, toMs: number): number | undefined {
  let sum = 0;
  let count = 0;
  for (const reading of meter) {
    const atMs = Date.parse(reading.at);
    if (atMs >= fromMs && atMs < toMs) {
      sum += reading.sitePowerKw;
      count += 1;
    }
  }
  return count > 0 ? sum / count : undefined;
}
