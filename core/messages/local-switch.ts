import { z } from 'zod';
import { isoInstantSchema, siteIdSchema } from '../support/schema.js';

/** Device ids an event names at most; the counts always cover every device. */
export const LOCAL_SWITCH_MAX_IDS = 100;

/**
 * A switch the gateway made on its own (a price, demand-response or frequency signal, the site power controller, a
 * restore batch on its timer), published on the site's `events` topic once every device has replied. The cloud adds
 * it to the site's switch history beside the SwitchFlows (GET /v1/sites/{siteId}/switches).
 */
export const localSwitchEventSchema = z.object({
  type: z.literal('local-switch'),
  siteId: siteIdSchema,
  at: isoInstantSchema,
  /** `grid:price`, `grid:demand-response`, `grid:frequency`, `power-limit` (the controller), `tick` (its timers). */
  cause: z.string().min(1).max(64),
  /** From the decision to the last device's reply, in real milliseconds. */
  latencyMs: z.number().nonnegative().max(3_600_000),
  devices: z.object({
    sent: z.number().int().nonnegative(),
    accepted: z.number().int().nonnegative(),
    /** The first devices switched, by id. */
    ids: z.array(z.string().min(1).max(128)).max(LOCAL_SWITCH_MAX_IDS),
  }),
});
export type LocalSwitchEvent = z.infer<typeof localSwitchEventSchema>;
