import type { Fleet } from '../../../core/model/site.js';
import { fleetFromRegistry } from '../../fleet/registry-fleet.js';
import type { SiteRegistryStore } from '../../shared/data/site-registry-store.js';
import type { FleetSource } from '../ports.js';

/**
 * The fleet as registered (functions/fleet): every active and draining site, read at each dispatch, so a site the
 * operator adds through the API is in the next plan without a deployment. The fleet carries the registry version it
 * was read at, and the plan records it.
 */
export class RegistryFleetSource implements FleetSource {
  constructor(private readonly registry: Pick<SiteRegistryStore, 'version' | 'list'>) {}

  load(): Promise<Fleet> {
    return fleetFromRegistry(this.registry);
  }
}
