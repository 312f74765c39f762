import { z } from 'zod';
import { isoInstantSchema, nonNegative, siteIdSchema } from '../support/schema.js';

export const ackStatusSchema = z.enum(['received', 'executed', 'rejected', 'expired']);
export type AckStatus = z.infer<typeof ackStatusSchema>;

export const ackReasonSchema = z.enum([
  'ok',
  'invalid-schema',
  'stale-seq',
  'duplicate-command',
  'expired',
  'device-failure',
  'partially-applied',
  'unsupported',
]);

export const ackSchema = z
  .strictObject({
    commandId: z.uuid(),
    siteId: siteIdSchema,
    seq: z.number().int().positive(),
    status: ackStatusSchema,
    reason: ackReasonSchema,
    detail: z.string().max(1000).optional(),
    taskToken: z.string().min(1).max(2048).optional(),
    /** True when this ack repeats one already sent (a lost ack answered again, never re-executed). */
    repeated: z.boolean().default(false),
    timings: z.strictObject({
      receivedAt: isoInstantSchema,
      executedAt: isoInstantSchema.optional(),
      /** Gateway time from receipt to the hardware confirming the new state. */
      executionMs: nonNegative.optional(),
    }),
  })
  .refine((a) => a.status !== 'executed' || a.timings.executedAt !== undefined, {
    path: ['timings', 'executedAt'],
    message: 'required when status is executed',
  });
export type Ack = z.infer<typeof ackSchema>;
