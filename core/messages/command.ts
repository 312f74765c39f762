import { z } from 'zod';
import { awardSchema, MAX_AWARDS_PER_SITE } from '../ancillary/awards.js';
import { planSchema } from '../model/plan.js';
import { isoInstantSchema, nonNegative, siteIdSchema } from '../support/schema.js';

export const siteModeSchema = z.enum(['plan', 'all-on', 'all-off', 'gpu-only', 'curtail-asics']);
export type SiteMode = z.infer<typeof siteModeSchema>;

const reasonSchema = z.string().min(1).max(500);

/**
 * Upper bound of a sequence number: 2^40 is a command a second for 34,000 years, and it keeps a forged or corrupted
 * number far below 2^53 so the cloud can always resynchronise past the gateway's (functions/switching: ResyncSequence).
 */
export const MAX_SEQ = 2 ** 40;
export const seqSchema = z.number().int().positive().max(MAX_SEQ);
/** The control plane's lease generation (fencing token); 2^31 takeovers is beyond any deployment's life. */
export const MAX_EPOCH = 2 ** 31 - 1;
export const epochSchema = z.number().int().positive().max(MAX_EPOCH);
/**
 * The longest a command may stay valid after it was issued: the safe mode's hold is 15 minutes, a switching command
 * 90 s (core/switching/command.ts). A longer validity would let a captured command be replayed for longer.
 */
export const MAX_COMMAND_VALIDITY_MS = 15 * 60_000;

const commandEnvelope = {
  commandId: z.uuid(),
  siteId: siteIdSchema,
  /** Strictly increasing per site; the gateway refuses anything not above the last it accepted. */
  seq: seqSchema,
  /** The issuing control plane's lease generation: the gateway refuses a command from an older one (fencing). */
  epoch: epochSchema,
  issuedAt: isoInstantSchema,
  validUntil: isoInstantSchema,
  /** Step Functions task token, echoed in every ack. Not signed: Step Functions adds it when it publishes. */
  taskToken: z.string().min(1).max(2048).optional(),
  /** JWS compact serialisation with a detached payload over the rest of the envelope (core/messages/command-signature.ts). */
  signature: z.string().min(1).max(1024).optional(),
};

export const commandSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      ...commandEnvelope,
      kind: z.literal('apply-plan'),
      payload: z.strictObject({ plan: planSchema }),
    }),
    z.strictObject({
      ...commandEnvelope,
      kind: z.literal('set-mode'),
      payload: z.strictObject({ mode: siteModeSchema, reason: reasonSchema, expiresAt: isoInstantSchema }),
    }),
    z.strictObject({
      ...commandEnvelope,
      kind: z.literal('curtail'),
      /** Load to shed; the gateway walks its ladder from the cheapest rung. */
      payload: z.strictObject({ shedKw: nonNegative, reason: reasonSchema, expiresAt: isoInstantSchema }),
    }),
    z.strictObject({
      ...commandEnvelope,
      kind: z.literal('arm-ancillary'),
      /**
       * The site's ancillary awards from now on (core/ancillary/awards.ts): they replace what the gateway held armed
       * (an empty list disarms). The gateway picks the devices that carry each award and keeps them on.
       */
      payload: z.strictObject({ awards: z.array(awardSchema).max(MAX_AWARDS_PER_SITE), reason: reasonSchema }),
    }),
    z.strictObject({
      ...commandEnvelope,
      kind: z.literal('set-power-limit'),
      /** An operator's cap on the site's facility power: one of the site power controller's limits until it expires. */
      payload: z.strictObject({ limitKw: z.number().positive(), reason: reasonSchema, expiresAt: isoInstantSchema }),
    }),
    z.strictObject({
      ...commandEnvelope,
      kind: z.literal('restore'),
      payload: z.strictObject({ reason: reasonSchema }),
    }),
  ])
  .refine((c) => c.kind !== 'arm-ancillary' || c.payload.awards.every((a) => a.siteId === c.siteId), {
    path: ['payload', 'awards'],
    message: 'every award must be for the command’s site',
  })
  .refine((c) => Date.parse(c.validUntil) > Date.parse(c.issuedAt), {
    path: ['validUntil'],
    message: 'must be after issuedAt',
  })
  .refine((c) => Date.parse(c.validUntil) - Date.parse(c.issuedAt) <= MAX_COMMAND_VALIDITY_MS, {
    path: ['validUntil'],
    message: `must be at most ${MAX_COMMAND_VALIDITY_MS / 60_000} minutes after issuedAt`,
  });
export type Command = z.infer<typeof commandSchema>;
export type CommandKind = Command['kind'];
