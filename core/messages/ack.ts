import { z } from 'zod';
import { isoInstantSchema, nonNegative, siteIdSchema } from '../support/schema.js';
import { MAX_EPOCH, MAX_SEQ, seqSchema } from './command.js';

export const ackStatusSchema = z.enum(['received', 'executed', 'rejected', 'expired']);
export type AckStatus = z.infer<typeof ackStatusSchema>;

export const ackReasonSchema = z.enum([
  'ok',
  'invalid-schema',
  'stale-seq',
  /** The command's epoch is older than one the gateway has seen: its writer was fenced out. */
  'stale-epoch',
  /** No signature, a signature no configured key verifies, or a key id the gateway does not know. */
  'bad-signature',
  /** The gateway lost its state: it takes commands again only from a newer epoch than any it has refused since. */
  'resync-required',
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
    seq: seqSchema,
    /**
     * On a refusal: the gateway's last accepted sequence number and the highest epoch it has seen, so the cloud can
     * resynchronise its counter past them instead of sending numbers the gateway will refuse for good.
     */
    lastSeq: z.number().int().nonnegative().max(MAX_SEQ).optional(),
    epoch: z.number().int().nonnegative().max(MAX_EPOCH).optional(),
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
