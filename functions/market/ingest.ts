import type { MarketSnapshot } from '../../core/model/market.js';
import type { Clock } from '../../core/support/clock.js';
import type { MarketDataSource, MarketSnapshotStore } from './ports.js';

export interface MarketMetrics {
  snapshotIngested(snapshot: MarketSnapshot, source: string): void;
}

/** One ingestion run: the snapshot in force now, from the configured source, stored for dispatch and the API. */
export async function ingestMarketSnapshot(deps: {
  readonly source: MarketDataSource;
  readonly store: MarketSnapshotStore;
  readonly metrics: MarketMetrics;
  readonly clock: Clock;
}): Promise<{ at: string; source: string; nodes: number }> {
  const snapshot = await deps.source.snapshotAt(deps.clock.nowMs());
  await deps.store.put(snapshot);
  deps.metrics.snapshotIngested(snapshot, deps.source.name);
  return { at: snapshot.at, source: deps.source.name, nodes: snapshot.prices.length };
}
