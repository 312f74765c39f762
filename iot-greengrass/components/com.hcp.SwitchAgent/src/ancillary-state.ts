import { z } from 'zod';
import { awardSchema } from '../../../../core/ancillary/awards.js';

/**
 * What the agent keeps of its ancillary awards (ancillary.ts) across restarts; in its own file so the state file's
 * schema imports nothing that imports the state file.
 */

const armedAwardSchema = z.object({
  award: awardSchema,
  devices: z.array(z.string()).readonly(),
  armedKw: z.number(),
  shortKw: z.number(),
});

const deploymentSchema = z.object({
  product: z.enum(['ECRS', 'NSPIN']),
  eventId: z.string(),
  deployKw: z.number(),
  devices: z.array(z.string()),
  atMs: z.number(),
});
export type AncillaryDeployment = z.infer<typeof deploymentSchema>;

/** What the agent keeps across restarts (persistence.ts). */
export const ancillaryStateSchema = z.object({
  armed: z.array(armedAwardSchema).readonly(),
  deployment: deploymentSchema.optional(),
  /** The devices the last under-frequency crossing tripped, until frequency recovers. */
  tripped: z.array(z.string()),
  /** Since when frequency has stayed below the relay set-point (the relay's delay runs from here), while it does. */
  ufrBelowSinceMs: z.number().optional(),
});
export type AncillaryState = z.infer<typeof ancillaryStateSchema>;

export const noAncillary = (): AncillaryState => ({ armed: [], tripped: [] });
