import type { APIGatewayProxyResult } from 'aws-lambda';
import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import {
  acceptWorkload,
  IDEMPOTENCY_TTL_S,
  idempotencyKeySchema,
  newWorkloadId,
  requestFingerprint,
  submitWorkloadBodySchema,
} from '../../../core/api/workloads.js';
import type { IdempotencyRecord } from '../../shared/data/idempotency.js';
import { jsonResponse } from '../../shared/http.js';
import {
  type ApiRequest,
  auditCommitted,
  auditWrites,
  idempotencyConflict,
  parseBody,
  parseHeader,
  tenantApiHandler,
} from '../handler.js';

/**
 * POST /v1/workloads: stores the workload once per (tenant, Idempotency-Key). A repeat with the same body gets the
 * first response (same status and body); the same key with another body is 422. The idempotency record and the
 * workload are written in one conditional transaction, so concurrent repeats create exactly one workload; its audit
 * event (an outbox item) is in that transaction too.
 */
export async function submitWorkload(request: ApiRequest): Promise<APIGatewayProxyResult> {
  const { event, principal, runtime } = request;
  const idempotencyKey = parseHeader(event, 'Idempotency-Key', idempotencyKeySchema);
  const body = parseBody(event, submitWorkloadBodySchema);
  const fingerprint = requestFingerprint(body);
  const nowMs = runtime.clock.nowMs();
  // No read of the key first: a new submission (the usual case) costs its one transaction, and a repeat finds the
  // stored answer when the transaction is refused (claim reads it then).
  const workload = acceptWorkload({
    request: body,
    id: newWorkloadId(nowMs, runtime.randomHex(8)),
    tenantId: principal.tenantId,
    idempotencyKey,
    nowMs,
  });
  const response = jsonResponse(201, workload, { location: workloadLocation(workload.id) });
  const record: IdempotencyRecord = {
    tenantId: principal.tenantId,
    key: idempotencyKey,
    fingerprint,
    statusCode: response.statusCode,
    body: response.body,
    createdAt: workload.submittedAt,
    expiresAtEpochS: Math.floor(nowMs / 1000) + IDEMPOTENCY_TTL_S,
  };
  // The audit event rides in the same transaction: stored exactly when the workload is, never contended.
  const audited = auditWrites(request, 'workload.submit', `workload/${workload.id}`, { idempotencyKey });
  const claim = await runtime.idempotency.claim(
    record,
    [...runtime.workloads.acceptItems(workload), ...audited.items],
    nowMs,
  );
  if (!claim.claimed) return replay(claim.existing, fingerprint);
  auditCommitted(request, audited);
  return response;
}

function replay(record: IdempotencyRecord, fingerprint: string): APIGatewayProxyResult {
  if (record.fingerprint !== fingerprint) {
    throw idempotencyConflict('body');
  }
  // The stored answer is the workload as first accepted: its id gives the same Location.
  const { id } = JSON.parse(record.body) as { id: string };
  const { headers } = jsonResponse(record.statusCode, null, {
    location: workloadLocation(id),
    'idempotent-replayed': 'true',
  });
  return { statusCode: record.statusCode, headers, body: record.body };
}

const workloadLocation = (id: string) => `/v1/workloads/${id}`;

export const handler = tenantApiHandler(CUSTOMER_ROLES, submitWorkload);
