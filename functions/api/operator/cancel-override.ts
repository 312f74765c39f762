import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { sitePathSchema } from '../../../core/api/operations.js';
import { activeOverride, overrideViewOf } from '../../../core/operations/overrides.js';
import { HttpError, jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, audit, nowIso, parsePath } from '../handler.js';
import { operatorSources, siteOf } from './views.js';

/**
 * DELETE /v1/sites/{siteId}/overrides/current: ends the site's active override before its expiry; cancelling wins the
 * race with the override's own SwitchFlow. The cancel and the flow's claim (just before it publishes) are conditional
 * writes on the override record, so exactly one lands first:
 * - the cancel: the flow never publishes the override and applies the current plan instead (`stoppedBeforeCommit`);
 * - the claim: the gateway may already run the override, so a SwitchFlow of this route's own restores the current plan
 *   (`planRestored`); it waits for the override's flow to release the site lock, like any switch.
 * Either way dispatch's hold on the site is lifted. 404 when no override is active.
 */
export async function cancelOverride(request: ApiRequest) {
  const { event, principal, runtime } = request;
  const { siteId } = parsePath(event, sitePathSchema);
  const sources = operatorSources(runtime);
  await siteOf(sources, siteId);
  const nowMs = runtime.clock.nowMs();
  const active = activeOverride(await sources.overrides.get(siteId), nowMs);
  if (!active) throw new HttpError(404, 'not-found', `site ${siteId} has no active override`);
  const cancelled = await sources.overrides.cancel(active, {
    cancelledBy: principal.principalId,
    cancelledAt: nowIso(request),
  });
  if (!cancelled) throw new HttpError(409, 'conflict', `the override of site ${siteId} changed while cancelling it`);
  const holdReleased = await sources.overrides.releaseDispatchHold(siteId, active.override.expiresAt);
  const restoreExecutionName =
    cancelled.commandedAt === undefined ? undefined : await restorePlan(request, siteId, nowMs);
  const outcome = cancelled.commandedAt === undefined ? 'stoppedBeforeCommit' : 'planRestored';
  await audit(request, 'site.override.cancel', siteId, {
    executionName: active.executionName,
    outcome,
    ...(restoreExecutionName ? { restoreExecutionName } : {}),
  });
  return jsonResponse(200, {
    override: overrideViewOf(cancelled, nowMs),
    holdReleased,
    outcome,
    ...(restoreExecutionName ? { restoreExecutionName } : {}),
  });
}

/** Starts the SwitchFlow that puts the site back on the current plan; its name, or undefined without a plan. */
async function restorePlan(request: ApiRequest, siteId: string, nowMs: number): Promise<string | undefined> {
  const { principal, runtime } = request;
  const plan = await operatorSources(runtime).plans.loadCurrent();
  if (!plan) return undefined;
  const executionName = `override-cancel-${siteId}-${nowMs}-${runtime.randomHex(4)}`;
  await runtime.switchFlows.start(
    {
      siteId,
      planVersion: plan.version,
      restore: { reason: `override cancelled by ${principal.principalId}` },
      requestedBy: principal.principalId,
    },
    executionName,
  );
  return executionName;
}

export const handler = apiHandler(OPERATOR_ROLES, cancelOverride);
