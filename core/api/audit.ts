import { z } from 'zod';
import { idSchema, isoInstantSchema } from '../support/schema.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { pageQueryShape, pageSchema } from './pagination.js';

/**
 * The audit log: one append-only, hash-chained sequence per chain (a tenant's id, or `platform` for operator and
 * switching actions). Entry n stores hash = sha256(hash of entry n-1 + canonical JSON of entry n without its hash),
 * so changing, removing or reordering any entry breaks every hash after it.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** What a caller appends: who did what to which target, in which request. */
export const auditEventSchema = z.strictObject({
  /** The principal (user sub, `apikey:<keyId>`, or a flow name for automated actions). */
  actor: z.string().min(1).max(200),
  tenantId: idSchema,
  /** e.g. `workload.submit`, `api-key.revoke`, `switch.command`. */
  action: z.string().min(1).max(100),
  /** The object acted on, e.g. `workload/wl-…`, `site/site-west-1`. */
  target: z.string().min(1).max(300),
  requestId: z.string().min(1).max(200),
  /** Small, non-secret facts about the action (a role granted, a reason). */
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

export const auditEntrySchema = auditEventSchema
  .extend({
    chain: z.string(),
    /**
     * Which of the chain's shards holds the entry: each shard is a hash chain of its own (seq, prevHash, head), so one
     * tenant's appends spread over several DynamoDB partitions. Absent on entries written before sharding (shard 0).
     */
    shard: z.number().int().nonnegative().optional(),
    /** 1-based position in the entry's shard. */
    seq: z.number().int().positive(),
    at: isoInstantSchema,
    prevHash: z.string().length(64),
    hash: z.string().length(64),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export function auditHash(entry: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(entry.prevHash + canonicalJson(entry));
}

/** The entry that follows `previous` (undefined for the first of a chain or shard). */
export function chainEntry(
  chain: string,
  event: AuditEvent,
  at: string,
  previous: Pick<AuditEntry, 'seq' | 'hash'> | undefined,
  shard?: number,
): AuditEntry {
  const unhashed = {
    ...event,
    chain,
    ...(shard === undefined ? {} : { shard }),
    seq: (previous?.seq ?? 0) + 1,
    at,
    prevHash: previous?.hash ?? GENESIS_HASH,
  };
  return { ...unhashed, hash: auditHash(unhashed) };
}

export type ChainVerification =
  | { readonly ok: true; readonly checked: number; readonly headHash: string }
  | {
      readonly ok: false;
      readonly checked: number;
      /** 0-based index of the first entry that does not verify. */
      readonly firstBadIndex: number;
      readonly reason: 'hash-mismatch' | 'broken-link' | 'sequence-gap' | 'malformed' | 'head-mismatch';
    };

/**
 * Verifies a whole chain in order. `head` is the chain's head record (seq and hash of the last append): comparing it
 * catches a truncated tail, which the links alone cannot.
 */
export function verifyChain(
  entries: readonly unknown[],
  head?: { readonly seq: number; readonly hash: string },
): ChainVerification {
  let previousHash = GENESIS_HASH;
  for (const [index, raw] of entries.entries()) {
    const bad = (reason: Extract<ChainVerification, { ok: false }>['reason']): ChainVerification => ({
      ok: false,
      checked: index,
      firstBadIndex: index,
      reason,
    });
    const parsed = auditEntrySchema.safeParse(raw);
    if (!parsed.success) return bad('malformed');
    const { hash, ...unhashed } = parsed.data;
    if (unhashed.seq !== index + 1) return bad('sequence-gap');
    if (unhashed.prevHash !== previousHash) return bad('broken-link');
    if (auditHash(unhashed) !== hash) return bad('hash-mismatch');
    previousHash = hash;
  }
  if (head && (head.seq !== entries.length || head.hash !== previousHash)) {
    return {
      ok: false,
      checked: entries.length,
      firstBadIndex: Math.min(head.seq, entries.length),
      reason: 'head-mismatch',
    };
  }
  return { ok: true, checked: entries.length, headHash: previousHash };
}

export const auditQuerySchema = z.strictObject({ ...pageQueryShape, chain: idSchema.optional() });
export const auditPageSchema = pageSchema(auditEntrySchema).meta({ id: 'AuditPage' });
export const auditVerifyQuerySchema = z.strictObject({ chain: idSchema.optional() });
export const chainVerificationSchema = z
  .object({
    chain: z.string(),
    ok: z.boolean(),
    checked: z.number().int(),
    headHash: z.string().optional(),
    firstBadIndex: z.number().int().optional(),
    reason: z.string().optional(),
    /** The shard whose entry at firstBadIndex does not verify. */
    shard: z.number().int().optional(),
    /** How many shards the chain has; each verified on its own. */
    shards: z.number().int().optional(),
    /** Events committed with their mutation but not yet linked by the chainer when the chain was read. */
    pending: z.number().int().optional(),
  })
  .meta({ id: 'AuditVerification' });
