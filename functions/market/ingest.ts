import type { MarketSnapshot } from '../../core/model/market.js';
import type { Clock } from '../../core/support/clock.js';
import type { MarketSnapshotStore } from '../shared/data/market-snapshot-store.js';
import type { MarketDataSource, MarketSignalPublisher } from './ports.js';

export interface MarketMetrics {
  snapshotIngested(snapshot: MarketSnapshot, source: string): void;
}

/**
 * One ingestion run: the snapshot in force now, from the configured source, stored for dispatch and the API, and each
 * node's real-time price relayed to its gateways (which also keeps their cloud watchdog fed).
 */
export async function ingestMarketSnapshot(deps: {
  readonly source: MarketDataSource;
  readonly store: MarketSnapshotStore;
  readonly signals: MarketSignalPublisher;
  readonly metrics: MarketMetrics;
  readonly clock: Clock;
}): Promise<{ at: string; source: string; nodes: number }> {
  const nowMs = deps.clock.nowMs();
  const snapshot = await deps.source.snapshotAt(nowMs);
  await deps.store.put(snapshot);
  const at = new Date(nowMs).toISOString();
  await Promise.all(
    snapshot.prices.map((price) =>
      deps.signals.publish({ kind: 'price', at, node: price.node, priceUsdPerMwh: price.realTimeUsdPerMwh }),
    ),
  );
  deps.metrics.snapshotIngested(snapshot, deps.source.name);
  return { at: snapshot.at, source: deps.source.name, nodes: snapshot.prices.length };
}
