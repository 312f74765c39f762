import type { MarketHistoryPoint } from '../../core/market-data/history.js';
import type { GridSignal } from '../../core/messages/grid-signal.js';
import type { MarketSnapshot } from '../../core/model/market.js';

/** Where market snapshots come from: a CSV object, the synthetic generator, ERCOT's public reports. */
export interface MarketDataSource {
  readonly name: string;
  /** The snapshot in force at `atMs` (the interval containing it). */
  snapshotAt(atMs: number): Promise<MarketSnapshot>;
  /**
   * Series points the source has published by `atMs` beyond the snapshot's own interval (day-ahead prices of a posted
   * operating day, observed temperatures), for the market history. @default none
   */
  publishedAt?(atMs: number, node: string): Promise<readonly MarketHistoryPoint[]>;
  /**
   * ERCOT system load (hourly `systemLoadMw` points) published since the run before, with a few hours' margin (an
   * update of a stored hour is harmless), for the market history's ERCOT-wide series: what the 4CP forecast reads.
   * @default none
   */
  systemLoadAt?(atMs: number): Promise<readonly MarketHistoryPoint[]>;
  /**
   * DAM ancillary capacity prices posted by `atMs` and not yet handed over, on the history's grid, for the market
   * history's ERCOT-wide series (ANCILLARY_HISTORY_KEY): what the planner's ancillary offers read. @default none
   */
  ancillaryPricesAt?(atMs: number): Promise<readonly MarketHistoryPoint[]>;
}

/**
 * Relays market signals to the gateways on `hcp/v1/market/<node>/signals`. Besides the price itself, each signal is
 * the gateways' proof that the cloud is alive: a SwitchAgent that hears neither a command nor a signal for its
 * heartbeat timeout (2 minutes by default) falls back to its safe default mode.
 */
export interface MarketSignalPublisher {
  publish(signal: GridSignal): Promise<void>;
}
