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
 * - the claim: the gateway may already run the override, so a SwitchFlow of this route's own sends it a `restore`
 *   (`planRestored`); it waits for the override's flow to release the site lock, like any switch. With no plan stored
 *   the same `restore` still lifts the override, and the gateway runs the plan it holds or its default mode
 *   (`overrideLifted`): the override never outlives its cancel because the cloud lost its plans.
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
  const restore = cancelled.commandedAt === undefined ? undefined : await restorePlan(request, siteId, nowMs);
  const restoreExecutionName = restore?.executionName;
  const outcome =
    restore === undefined ? 'stoppedBeforeCommit' : restore.planVersion ? 'planRestored' : 'overrideLifted';
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

/** Starts the SwitchFlow whose `restore` lifts the override; its name and the current plan's version, if one is stored. */
async function restorePlan(
  request: ApiRequest,
  siteId: string,
  nowMs: number,
): Promise<{ executionName: string; planVersion?: number }> {
  const { principal, runtime } = request;
  const plan = await operatorSources(runtime).plans.loadCurrent();
  const executionName = `override-cancel-${siteId}-${nowMs}-${runtime.randomHex(4)}`;
  await runtime.switchFlows.start(
    {
      siteId,
      ...(plan ? { planVersion: plan.version } : {}),
      restore: { reason: `override cancelled by ${principal.principalId}` },
      requestedBy: principal.principalId,
    },
    executionName,
  );
  return { executionName, ...(plan ? { planVersion: plan.version } : {}) };
}

export const handler = apiHandler(OPERATOR_ROLES, cancelOverride);
