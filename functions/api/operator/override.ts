import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { sha256Hex } from '../../../core/api/canonical.js';
import {
  type OverrideBody,
  overrideBodySchema,
  overrideExpiryProblem,
  sitePathSchema,
} from '../../../core/api/operations.js';
import { IDEMPOTENCY_TTL_S, idempotencyKeySchema, requestFingerprint } from '../../../core/api/workloads.js';
import type { IdempotencyRecord } from '../../shared/data/idempotency.js';
import { HttpError, jsonResponse } from '../../shared/http.js';
import {
  type ApiRequest,
  apiHandler,
  auditCommitted,
  auditWrites,
  idempotencyConflict,
  nowIso,
  parseBody,
  parseOptionalHeader,
  parsePath,
} from '../handler.js';
import { operatorSources, siteOf } from './views.js';

/**
 * POST /v1/sites/{siteId}/overrides: an operator forces a mode or a curtailment until `expiresAt`. It starts a
 * SwitchFlow with the override, so it takes the site lock, waits for the gateway's ack and compensates like any
 * switch; dispatch leaves the site alone until the expiry. The override (who, why, until when) is recorded as the
 * site's latest before the flow starts, so the site view never shows a switch nobody asked for. 202: the flow is
 * started, its outcome shows in the site's switching state and switch history.
 */
export async function createOverride(request: ApiRequest) {
  const { siteId } = parsePath(request.event, sitePathSchema);
  return startOverride(request, siteId, parseBody(request.event, overrideBodySchema), 'site.override');
}

/**
 * Records the override as the site's latest with its audit event (one transaction), then starts its SwitchFlow: one path for every override an
 * operator route makes (a mode, a curtailment, a power limit).
 *
 * With an `Idempotency-Key` the request is made once however often it is sent: the key names the execution, so the
 * record, its audit event and the key's claim are one transaction, and a repeat (same key and body) starts the same
 * execution again, which Step Functions answers with the one already started, and gets the same answer. An operator
 * whose every attempt lost its answer (5xx after the flow started) retries without making a second override.
 */
export async function startOverride(request: ApiRequest, siteId: string, override: OverrideBody, auditAction: string) {
  const { principal, runtime, event } = request;
  const idempotencyKey = parseOptionalHeader(event, 'Idempotency-Key', idempotencyKeySchema);
  const sources = operatorSources(runtime);
  await siteOf(sources, siteId);
  const nowMs = runtime.clock.nowMs();
  const problem = overrideExpiryProblem(override.expiresAt, nowMs);
  if (problem) {
    throw new HttpError(400, 'validation-failed', `invalid body: expiresAt: ${problem}`, [
      { field: 'expiresAt', rule: 'out_of_range', message: problem },
    ]);
  }
  const executionName = idempotencyKey
    ? `override-${siteId}-k${sha256Hex(`${principal.tenantId}\n${idempotencyKey}`).slice(0, 24)}`
    : `override-${siteId}-${nowMs}-${runtime.randomHex(4)}`;
  const requestedBy = principal.principalId;
  // The audit event rides in the record's own transaction: the request is on record exactly when the override is.
  const audited = auditWrites(request, auditAction, siteId, {
    kind: override.kind,
    reason: override.reason,
    executionName,
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  const record = { siteId, override, requestedBy, requestedAt: nowIso(request), executionName };
  let replayed = false;
  if (idempotencyKey) {
    const fingerprint = requestFingerprint({ auditAction, siteId, override });
    const claim = await runtime.idempotency.claim(
      idempotencyRecord(principal.tenantId, idempotencyKey, fingerprint, executionName, nowMs),
      [sources.overrides.putItem(record), ...audited.items],
      nowMs,
    );
    if (!claim.claimed && claim.existing.fingerprint !== fingerprint) throw idempotencyConflict('request');
    replayed = !claim.claimed;
  } else {
    await sources.overrides.put(record, audited.items);
  }
  if (!replayed) auditCommitted(request, audited);
  // A repeat starts the same execution: Step Functions answers with the one already started and starts nothing new.
  const { executionArn } = await runtime.switchFlows.start({ siteId, override, requestedBy }, executionName);
  return jsonResponse(
    202,
    { siteId, executionName, executionArn, override },
    replayed ? { 'idempotent-replayed': 'true' } : {},
  );
}

function idempotencyRecord(
  tenantId: string,
  key: string,
  fingerprint: string,
  executionName: string,
  nowMs: number,
): IdempotencyRecord {
  return {
    tenantId,
    key,
    fingerprint,
    statusCode: 202,
    body: JSON.stringify({ executionName }),
    createdAt: new Date(nowMs).toISOString(),
    expiresAtEpochS: Math.floor(nowMs / 1000) + IDEMPOTENCY_TTL_S,
  };
}

export const handler = apiHandler(OPERATOR_ROLES, createOverride);
