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

/**
 * The sites a routing use case works on: `routing`, only active sites take new work (a draining one finishes what it
 * has); `reports`, reports are applied for every site in service.
 */
export function routingSites(
  fleet: Pick<RegisteredFleet, 'sites' | 'draining'>,
  use: 'routing' | 'reports',
): readonly Site[] {
  return use === 'routing' ? fleet.sites.filter((site) => !fleet.draining.has(site.id)) : fleet.sites;
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

/**
 * The registered site models, re-read at most every `maxAgeMs` (default 60 s): for per-message paths (telemetry) where
 * one registry read per message would double the table reads. A site registered now is seen within `maxAgeMs`.
 */
export function cachedRegisteredSites(
  store: Pick<SiteRegistryStore, 'version' | 'list'>,
  nowMs: () => number = Date.now,
  maxAgeMs = 60_000,
): () => Promise<RegisteredFleet> {
  let cached: { atMs: number; fleet: Promise<RegisteredFleet> } | undefined;
  return () => {
    if (!cached || nowMs() - cached.atMs > maxAgeMs) {
      const fleet = readRegisteredFleet(store);
      cached = { atMs: nowMs(), fleet };
      // A failed read is not kept: the next call tries again.
      fleet.catch(() => {
        if (cached?.fleet === fleet) cached = undefined;
      });
    }
    return cached.fleet;
  };
}
