import { gatewayThingNameOf, type SiteConfig } from '../../core/fleet/site-config.js';
import type { ModelVersion } from '../../core/gpu/model-catalog.js';
import type { PoolDeployment } from '../../core/serving/pool-deployment.js';
import type { TransactItem } from '../shared/data/dynamo-helpers.js';
import type { PoolDeploymentStore } from '../shared/data/pool-deployment-store.js';
import type { SiteConfigPublisher } from './ports.js';

/**
 * Places a catalog version on a site's GPU pool: stored (with `alongside`, its audit outbox), then set as the pool's
 * desired deployment in the site gateway's shadow with the entry it loads. Stored first: a failed publish throws, and
 * placing it again publishes it (the gateway keeps the newest by `updatedAt`). The API's PUT and the local platform's
 * start use it.
 */
export async function placePoolDeployment(
  deps: { readonly store: PoolDeploymentStore; readonly publisher: SiteConfigPublisher },
  input: {
    readonly site: Pick<SiteConfig, 'id' | 'gatewayThingName'>;
    readonly deployment: PoolDeployment;
    readonly entry: ModelVersion;
    readonly alongside?: readonly TransactItem[];
  },
): Promise<void> {
  const { deployment } = input;
  await deps.store.put(deployment, input.alongside);
  await deps.publisher.publishDeployment(gatewayThingNameOf(input.site), {
    poolId: deployment.poolId,
    entry: input.entry,
    updatedAt: deployment.updatedAt,
  });
}
