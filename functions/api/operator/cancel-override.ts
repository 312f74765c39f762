import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { sitePathSchema } from '../../../core/api/operations.js';
import { activeOverride, overrideViewOf } from '../../../core/operations/overrides.js';
import { HttpError, jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, audit, nowIso, parsePath } from '../handler.js';
import { operatorSources, siteOf } from './views.js';

/**
 * DELETE /v1/sites/{siteId}/overrides/current: ends the site's active override before its expiry. Dispatch's hold on
 * the site is lifted, so the next OptimizeFlow run (≤ 5 minutes) switches it back to the plan through SwitchFlow like
 * any site; this route starts no flow of its own. 404 when no override is active.
 */
export async function cancelOverride(request: ApiRequest) {
  const { event, principal, runtime } = request;
  const { siteId } = parsePath(event, sitePathSchema);
  const sources = operatorSources(runtime);
  siteOf(sources, siteId);
  const nowMs = runtime.clock.nowMs();
  const active = activeOverride(await sources.overrides.get(siteId), nowMs);
  if (!active) throw new HttpError(404, 'not-found', `site ${siteId} has no active override`);
  const cancelled = await sources.overrides.cancel(active, {
    cancelledBy: principal.principalId,
    cancelledAt: nowIso(request),
  });
  if (!cancelled) throw new HttpError(409, 'conflict', `the override of site ${siteId} changed while cancelling it`);
  const holdReleased = await sources.overrides.releaseDispatchHold(siteId, active.override.expiresAt);
  await audit(request, 'site.override.cancel', siteId, { executionName: active.executionName });
  return jsonResponse(200, { override: overrideViewOf(cancelled, nowMs), holdReleased });
}

export const handler = apiHandler(OPERATOR_ROLES, cancelOverride);
