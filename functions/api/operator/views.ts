import { intervalAt, type SiteView } from '../../../core/api/operations.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { Plan } from '../../../core/model/plan.js';
import type { Site } from '../../../core/model/site.js';
import { DynamoMarketSnapshotStore } from '../../market/adapters/dynamo-market-store.js';
import { DynamoPlanStore } from '../../shared/data/plan-store.js';
import { DynamoSiteStateStore } from '../../shared/data/site-state-store.js';
import type { ApiRuntime } from '../runtime.js';

/**
 * The operator views' sources on the API's table. The fleet is the one the optimizer plans (the reference fleet, as in
 * functions/optimizer/runtime.ts), so the API and dispatch never disagree on which sites exist.
 */
export function operatorSources(runtime: ApiRuntime) {
  const deps = { client: runtime.client, tableName: runtime.tableName };
  return {
    fleet: referenceFleet,
    plans: new DynamoPlanStore(deps),
    market: new DynamoMarketSnapshotStore(deps),
    siteStates: new DynamoSiteStateStore(deps),
  };
}

/** One site's view: its configuration, gateways' latest state, switching, and the current plan's setpoints. */
export async function siteView(
  sources: ReturnType<typeof operatorSources>,
  site: Site,
  plan: Plan | undefined,
  nowMs: number,
): Promise<SiteView> {
  const live = await sources.siteStates.get(site.id);
  const sitePlan = plan?.sites.find((s) => s.siteId === site.id);
  const current = sitePlan && plan ? intervalAt(sitePlan.intervals, nowMs, plan.intervalMinutes) : undefined;
  return {
    site,
    gateways: live.gateways,
    ...(live.lastHeartbeatAt ? { lastHeartbeatAt: live.lastHeartbeatAt } : {}),
    ...(live.switching ? { switching: live.switching as SiteView['switching'] } : {}),
    ...(current ? { currentSetpoints: current } : {}),
    ...(sitePlan && plan ? { planVersion: plan.version } : {}),
  };
}
