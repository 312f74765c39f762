import { ANCILLARY_HISTORY_KEY, SYSTEM_LOAD_HISTORY_KEY } from '../../core/market-data/history.js';
import type { MarketSnapshot } from '../../core/model/market.js';
import type { Clock } from '../../core/support/clock.js';
import type { MarketHistoryStore } from '../shared/data/market-history-store.js';
import type { MarketSnapshotStore } from '../shared/data/market-snapshot-store.js';
import type { MarketDataSource, MarketSignalPublisher } from './ports.js';

export interface MarketMetrics {
  snapshotIngested(snapshot: MarketSnapshot, source: string): void;
  /** Seconds since the end of the interval of the newest snapshot held: what the staleness alarm watches. */
  marketDataAge(ageSeconds: number, source: string): void;
}

/**
 * How long the last stored prices keep being relayed while the source is down. Within it, dispatch plans on the
 * stored snapshot and its forecasts, and the staleness alarm (MarketIngestion, MarketDataAgeSeconds) tells the
 * operator. Past it nothing is relayed: the gateways hear no signal and their watchdog (SwitchAgent
 * `heartbeatTimeoutMs`, 2 minutes) moves them to their safe default mode, the ladder's last rung.
 */
export const STALE_RELAY_LIMIT_MS = 60 * 60_000;

const intervalEndMs = (snapshot: MarketSnapshot) => Date.parse(snapshot.at) + snapshot.intervalMinutes * 60_000;

/**
 * One ingestion run: the snapshot in force now, from the configured source, stored for dispatch and the API, and each
 * node's real-time price relayed to its gateways (which also keeps their cloud watchdog fed). A source that fails
 * leaves the stored snapshot in force for up to STALE_RELAY_LIMIT_MS; past that the run fails with the source's error.
 */
export async function ingestMarketSnapshot(deps: {
  readonly source: MarketDataSource;
  readonly store: MarketSnapshotStore;
  readonly signals: MarketSignalPublisher;
  readonly metrics: MarketMetrics;
  readonly clock: Clock;
  /** The planner's market history, appended each run. @default none */
  readonly history?: Pick<MarketHistoryStore, 'append'>;
}): Promise<{ at: string; source: string; nodes: number; stale: boolean }> {
  const nowMs = deps.clock.nowMs();
  let snapshot: MarketSnapshot;
  let stale = false;
  try {
    snapshot = await deps.source.snapshotAt(nowMs);
    await deps.store.put(snapshot);
    if (deps.history) await appendHistory(deps.history, deps.source, snapshot, nowMs);
  } catch (error) {
    const held = await deps.store.latest();
    if (held) deps.metrics.marketDataAge(Math.max(0, (nowMs - intervalEndMs(held)) / 1000), deps.source.name);
    if (!held || nowMs - intervalEndMs(held) > STALE_RELAY_LIMIT_MS) throw error;
    snapshot = held;
    stale = true;
  }
  const at = new Date(nowMs).toISOString();
  await Promise.all(
    snapshot.prices.map((price) =>
      deps.signals.publish({ kind: 'price', at, node: price.node, priceUsdPerMwh: price.realTimeUsdPerMwh }),
    ),
  );
  if (!stale) {
    deps.metrics.snapshotIngested(snapshot, deps.source.name);
    deps.metrics.marketDataAge(Math.max(0, (nowMs - intervalEndMs(snapshot)) / 1000), deps.source.name);
  }
  return { at: snapshot.at, source: deps.source.name, nodes: snapshot.prices.length, stale };
}

/**
 * Each node's price of the snapshot's interval, and what else the source has published, into the market history; the
 * ERCOT system load and the DAM capacity prices the source has published, into the ERCOT-wide series.
 */
async function appendHistory(
  history: Pick<MarketHistoryStore, 'append'>,
  source: MarketDataSource,
  snapshot: MarketSnapshot,
  nowMs: number,
): Promise<void> {
  const intervalStartMs = Date.parse(snapshot.at);
  const systemLoad = (await source.systemLoadAt?.(nowMs)) ?? [];
  if (systemLoad.length > 0) await history.append(SYSTEM_LOAD_HISTORY_KEY, systemLoad);
  const capacityPrices = (await source.ancillaryPricesAt?.(nowMs)) ?? [];
  if (capacityPrices.length > 0) await history.append(ANCILLARY_HISTORY_KEY, capacityPrices);
  await Promise.all(
    snapshot.prices.map(async (price) =>
      history.append(price.node, [
        {
          intervalStartMs,
          rtUsdPerMwh: price.realTimeUsdPerMwh,
          ...(price.dayAheadUsdPerMwh !== undefined ? { daUsdPerMwh: price.dayAheadUsdPerMwh } : {}),
        },
        ...((await source.publishedAt?.(nowMs, price.node)) ?? []),
      ]),
    ),
  );
}
