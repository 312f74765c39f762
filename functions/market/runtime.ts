import { z } from 'zod';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { configGetter } from '../shared/config.js';
import { documentClient } from '../shared/data/client.js';
import { metrics } from '../shared/powertools.js';
import { systemClock } from '../switching/runtime.js';
import { DynamoMarketSnapshotStore } from './adapters/dynamo-market-store.js';
import { PowertoolsMarketMetrics } from './adapters/powertools-market-metrics.js';
import type { MarketDataSource } from './ports.js';

const config = configGetter(
  z.object({
    TABLE_NAME: z.string().min(1),
    /** Which source feeds dispatch; see the adapters. */
    MARKET_SOURCE: z.enum(['stored', 'synthetic', 'csv', 'ercot']).default('stored'),
  }),
);

/**
 * Until a source is configured for the deployment (ERCOT needs a subscription key, CSV a bucket, synthetic its
 * calibration file), `stored` re-publishes the newest stored snapshot, so the ingestion path and its metrics run.
 */
function sourceFor(kind: string, store: DynamoMarketSnapshotStore): MarketDataSource {
  if (kind !== 'stored') throw new Error(`MARKET_SOURCE=${kind} is not wired in this deployment yet`);
  return {
    name: 'stored',
    async snapshotAt() {
      const latest = await store.latest();
      if (!latest) throw new Error('no stored market snapshot to re-publish');
      return latest;
    },
  };
}

export function marketRuntime() {
  const { TABLE_NAME, MARKET_SOURCE } = config();
  const store = new DynamoMarketSnapshotStore({ client: documentClient(), tableName: TABLE_NAME });
  return {
    source: sourceFor(MARKET_SOURCE, store),
    store,
    metrics: new PowertoolsMarketMetrics(metrics),
    clock: systemClock,
    nodes: [...new Set(referenceFleet.sites.map((s) => s.marketNode))],
  };
}
