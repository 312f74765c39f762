import type { MarketSnapshot } from '../../core/model/market.js';

/** Where market snapshots come from: a CSV object, the synthetic generator, ERCOT's public reports. */
export interface MarketDataSource {
  readonly name: string;
  /** The snapshot in force at `atMs` (the interval containing it). */
  snapshotAt(atMs: number): Promise<MarketSnapshot>;
}

/** The stored snapshots: the newest one feeds dispatch, the API's market view reads it too. */
export interface MarketSnapshotStore {
  put(snapshot: MarketSnapshot): Promise<void>;
  latest(): Promise<MarketSnapshot | undefined>;
}
