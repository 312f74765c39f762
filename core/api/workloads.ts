import { z } from 'zod';
import {
  type WorkloadStatus,
  workloadRequestSchema,
  workloadSchema,
  workloadStatusSchema,
  workloadTierSchema,
} from '../model/workload.js';
import { idSchema, isoInstantSchema } from '../support/schema.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import { pageQueryShape, pageSchema } from './pagination.js';

/** POST /v1/workloads body: the domain request, strict (unknown fields are refused). */
export const submitWorkloadBodySchema = workloadRequestSchema.meta({ id: 'WorkloadRequest' });

/** Idempotency-Key: printable, bounded; a UUID is the usual choice. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

export const idempotencyHeadersSchema = z.object({ 'idempotency-key': idempotencyKeySchema });
/** Routes where the key is the client's choice (an operator's override: its repeat makes no second override). */
export const optionalIdempotencyHeadersSchema = z.object({ 'idempotency-key': idempotencyKeySchema.optional() });

/** What the API returns for a workload. */
export const workloadViewSchema = workloadSchema
  .extend({ updatedAt: isoInstantSchema.optional() })
  .meta({ id: 'Workload' });
export type WorkloadView = z.infer<typeof workloadViewSchema>;

export const workloadPathSchema = z.strictObject({ workloadId: idSchema });

export const listWorkloadsQuerySchema = z
  .strictObject({
    ...pageQueryShape,
    status: workloadStatusSchema.optional(),
    tier: workloadTierSchema.optional(),
    /** Submitted at or after. */
    from: isoInstantSchema.optional(),
    /** Submitted before. */
    to: isoInstantSchema.optional(),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    path: ['to'],
    message: 'must be after from',
  });
export type ListWorkloadsQuery = z.infer<typeof listWorkloadsQuerySchema>;

export const workloadPageSchema = pageSchema(workloadViewSchema).meta({ id: 'WorkloadPage' });

/** Work not yet on a GPU can be withdrawn; running work is the worker's to stop, finished work stays as it ended. */
export const CANCELLABLE_STATUSES = ['accepted', 'queued', 'preempted'] as const satisfies readonly WorkloadStatus[];
export const isCancellable = (status: WorkloadStatus): boolean =>
  (CANCELLABLE_STATUSES as readonly WorkloadStatus[]).includes(status);

/**
 * Workload ids sort by submission time (base-36 milliseconds, fixed width) so a tenant's workloads come back newest
 * or oldest first from a plain key query; the random tail keeps ids unguessable and unique.
 */
export function newWorkloadId(nowMs: number, randomHex: string): string {
  return `wl-${nowMs.toString(36).padStart(9, '0')}-${randomHex.slice(0, 16)}`;
}

/** A new workload as stored and returned: accepted, waiting for the router. */
export function acceptWorkload(input: {
  request: z.infer<typeof workloadRequestSchema>;
  id: string;
  tenantId: string;
  idempotencyKey: string;
  nowMs: number;
}): WorkloadView {
  return {
    ...input.request,
    id: input.id,
    tenantId: input.tenantId,
    idempotencyKey: input.idempotencyKey,
    submittedAt: new Date(input.nowMs).toISOString(),
    status: 'accepted',
  };
}

/** The store's filter: instants normalised to `toISOString()` form, the form stored, so text order is time order. */
export function workloadFilterOf(query: ListWorkloadsQuery) {
  const instant = (iso: string | undefined) => (iso === undefined ? undefined : new Date(iso).toISOString());
  return { status: query.status, tier: query.tier, from: instant(query.from), to: instant(query.to) };
}

/** How long a submission's Idempotency-Key is remembered: a client retrying within a day gets the first result. */
export const IDEMPOTENCY_TTL_S = 24 * 60 * 60;

/** Two submissions are "the same request" when their validated bodies are equal, whatever the key order. */
export const requestFingerprint = (body: unknown): string => sha256Hex(canonicalJson(body));
