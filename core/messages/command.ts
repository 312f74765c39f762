import { z } from 'zod';
import { planSchema } from '../model/plan.js';
import { isoInstantSchema, nonNegative, siteIdSchema } from '../support/schema.js';

export const siteModeSchema = z.enum(['plan', 'all-on', 'all-off', 'gpu-only', 'curtail-asics']);
export type SiteMode = z.infer<typeof siteModeSchema>;

const reasonSchema = z.string().min(1).max(500);

const commandEnvelope = {
  commandId: z.uuid(),
  siteId: siteIdSchema,
  /** Strictly increasing per site; the gateway refuses anything not above the last it accepted. */
  seq: z.number().int().positive(),
  issuedAt: isoInstantSchema,
  validUntil: isoInstantSchema,
  /** Step Functions task token, echoed in every ack. */
  taskToken: z.string().min(1).max(2048).optional(),
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
      kind: z.literal('restore'),
      payload: z.strictObject({ reason: reasonSchema }),
    }),
  ])
  .refine((c) => Date.parse(c.validUntil) > Date.parse(c.issuedAt), {
    path: ['validUntil'],
    message: 'must be after issuedAt',
  });
export type Command = z.infer<typeof commandSchema>;
export type CommandKind = Command['kind'];
