import { intervalAt, type SiteView } from '../../../core/api/operations.js';
import type { Plan } from '../../../core/model/plan.js';
import type { Site } from '../../../core/model/site.js';
import { summarizeGroups } from '../../../core/operations/devices.js';
import { overrideViewOf } from '../../../core/operations/overrides.js';
import type { OperatorSiteView } from '../../../core/operations/views.js';
import { readRegisteredFleet } from '../../fleet/registry-fleet.js';
import { DynamoGpuNodeStore } from '../../shared/data/gpu-node-store.js';
import { DynamoMarketSnapshotStore } from '../../shared/data/market-snapshot-store.js';
import { DynamoOverrideStore } from '../../shared/data/override-store.js';
import { DynamoPlanStore } from '../../shared/data/plan-store.js';
import { DynamoSiteStateStore } from '../../shared/data/site-state-store.js';
import { DynamoSwitchLogStore } from '../../shared/data/switch-log-store.js';
import { notFound } from '../handler.js';
import type { ApiRuntime } from '../runtime.js';

/**
 * The operator views' sources on the API's table. The fleet is the registry's sites in service (active and draining),
 * the ones the optimizer plans (functions/optimizer/adapters/registry-fleet-source.ts), so the API and dispatch never
 * disagree on which sites exist.
 */
export function operatorSources(runtime: ApiRuntime) {
  const deps = { client: runtime.client, tableName: runtime.tableName };
  return {
    sites: async (): Promise<readonly Site[]> => (await readRegisteredFleet(runtime.registry.store)).sites,
    plans: new DynamoPlanStore(deps),
    market: new DynamoMarketSnapshotStore(deps),
    siteStates: new DynamoSiteStateStore(deps),
    overrides: new DynamoOverrideStore(deps),
    switchLog: new DynamoSwitchLogStore(deps),
    gpuNodes: new DynamoGpuNodeStore(deps),
  };
}
export type OperatorSources = ReturnType<typeof operatorSources>;

/** The fleet's site `siteId`, or a 404 naming it. */
export async function siteOf(sources: OperatorSources, siteId: string): Promise<Site> {
  const site = (await sources.sites()).find((s) => s.id === siteId);
  if (!site) throw notFound('site', siteId);
  return site;
}

/**
 * One site's view: its configuration, gateways' and devices' latest state with a summary per group, switching, the
 * latest override, and the current plan's setpoints.
 */
export async function siteView(
  sources: OperatorSources,
  site: Site,
  plan: Plan | undefined,
  nowMs: number,
): Promise<OperatorSiteView> {
  const [live, override] = await Promise.all([sources.siteStates.get(site.id), sources.overrides.get(site.id)]);
  const sitePlan = plan?.sites.find((s) => s.siteId === site.id);
  const current = sitePlan && plan ? intervalAt(sitePlan.intervals, nowMs, plan.intervalMinutes) : undefined;
  return {
    site,
    gateways: live.gateways,
    devices: live.devices,
    groups: summarizeGroups(site, live.devices),
    ...(live.lastHeartbeatAt ? { lastHeartbeatAt: live.lastHeartbeatAt } : {}),
    ...(live.switching ? { switching: live.switching as SiteView['switching'] } : {}),
    ...(override ? { override: overrideViewOf(override, nowMs) } : {}),
    ...(current ? { currentSetpoints: current } : {}),
    ...(sitePlan && plan ? { planVersion: plan.version } : {}),
  };
}
