import { OPERATOR_ROLES } from '../../../core/api/access.js';
import {
  type OverrideBody,
  overrideBodySchema,
  overrideExpiryProblem,
  sitePathSchema,
} from '../../../core/api/operations.js';
import { HttpError, jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, auditCommitted, auditWrites, nowIso, parseBody, parsePath } from '../handler.js';
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
 */
export async function startOverride(request: ApiRequest, siteId: string, override: OverrideBody, auditAction: string) {
  const { principal, runtime } = request;
  const sources = operatorSources(runtime);
  await siteOf(sources, siteId);
  const nowMs = runtime.clock.nowMs();
  const problem = overrideExpiryProblem(override.expiresAt, nowMs);
  if (problem) {
    throw new HttpError(400, 'validation-failed', `invalid body: expiresAt: ${problem}`, [
      { field: 'expiresAt', rule: 'out_of_range', message: problem },
    ]);
  }
  const executionName = `override-${siteId}-${nowMs}-${runtime.randomHex(4)}`;
  const requestedBy = principal.principalId;
  // The audit event rides in the record's own transaction: the request is on record exactly when the override is.
  const audited = auditWrites(request, auditAction, siteId, {
    kind: override.kind,
    reason: override.reason,
    executionName,
  });
  await sources.overrides.put(
    { siteId, override, requestedBy, requestedAt: nowIso(request), executionName },
    audited.items,
  );
  auditCommitted(request, audited);
  const { executionArn } = await runtime.switchFlows.start({ siteId, override, requestedBy }, executionName);
  return jsonResponse(202, { siteId, executionName, executionArn, override });
}

export const handler = apiHandler(OPERATOR_ROLES, createOverride);
