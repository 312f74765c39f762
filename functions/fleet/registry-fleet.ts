import { siteModelOf } from '../../core/fleet/site-config.js';
import type { Fleet, Site } from '../../core/model/site.js';
import type { SiteRecord, SiteRegistryStore } from '../shared/data/site-registry-store.js';

/** The registry as the rest of the platform reads it: the sites in service as site models, at one version. */
export interface RegisteredFleet {
  readonly registryVersion: number;
  /** Active and draining sites (draining ones are still planned; the router sends them no new work). */
  readonly sites: readonly Site[];
  /** Ids of draining sites. */
  readonly draining: ReadonlySet<string>;
  readonly records: readonly SiteRecord[];
}

export async function readRegisteredFleet(
  store: Pick<SiteRegistryStore, 'version' | 'list'>,
): Promise<RegisteredFleet> {
  const [registryVersion, records] = await Promise.all([store.version(), store.list()]);
  const inService = records.filter((r) => r.status !== 'retired');
  return {
    registryVersion,
    sites: inService.map((r) => siteModelOf(r.config)),
    draining: new Set(inService.filter((r) => r.status === 'draining').map((r) => r.config.id)),
    records,
  };
}

/** The optimizer's fleet: every site in service, stamped with the registry version it was read at. */
export async function fleetFromRegistry(store: Pick<SiteRegistryStore, 'version' | 'list'>): Promise<Fleet> {
  const registered = await readRegisteredFleet(store);
  if (registered.sites.length === 0) throw new Error('no site is registered: POST /v1/fleet/sites first');
  return {
    sites: [...registered.sites],
    ...(registered.registryVersion > 0 ? { registryVersion: registered.registryVersion } : {}),
  };
}
