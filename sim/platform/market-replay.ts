import type { PlatformEventSink } from './events.js';
import type { MarketFeed } from './market-feed.js';
import type { SimClock } from './sim-clock.js';

export interface MarketReplayOptions {
  readonly clock: SimClock;
  readonly feed: MarketFeed;
  /**
   * One ingestion run at the clock's current time: stores the snapshot and relays each node's price to its gateways
   * on the market topic (the control loop's `ingestMarket`, the market Lambda's job in AWS).
   */
  readonly ingest: () => Promise<unknown>;
  readonly onEvent: PlatformEventSink;
  /** How often the loop looks at the simulated clock. @default 100 */
  readonly pollRealMs?: number;
  readonly onError?: (error: Error) => void;
}

export interface RunningMarketReplay {
  /** Publishes the price now (an injection started) instead of at the next boundary. */
  nudge(): void;
  /** Runs `task` once the simulated clock reaches `atMs` (an injected grid event's end). */
  at(atMs: number, task: () => Promise<void> | void): void;
  stop(): Promise<void>;
}

/**
 * Replays the market on the simulated clock: at every interval boundary and at every injected override's edge the
 * price in force is ingested, which relays it to the gateways as the price signal their ladder acts on between
 * dispatches. The observer gets the snapshot with its hashprice.
 */
export function startMarketReplay(options: MarketReplayOptions): RunningMarketReplay {
  const { clock, feed } = options;
  let nextChangeMs = Number.NEGATIVE_INFINITY;
  let tasks: Array<{ atMs: number; task: () => Promise<void> | void }> = [];
  let running: Promise<void> | undefined;

  const publish = async () => {
    const atMs = clock.nowMs();
    await options.ingest();
    const snapshot = await feed.snapshotAt(atMs);
    options.onEvent({ type: 'market', atMs, snapshot });
    nextChangeMs = feed.nextChangeAfterMs(atMs, snapshot.intervalMinutes);
  };
  const runDue = async () => {
    const nowMs = clock.nowMs();
    const due = tasks.filter((t) => t.atMs <= nowMs);
    tasks = tasks.filter((t) => t.atMs > nowMs);
    for (const { task } of due) await task();
    if (nowMs >= nextChangeMs) await publish();
  };
  const timer = setInterval(() => {
    running ??= runDue()
      .catch((error: Error) => options.onError?.(error))
      .finally(() => {
        running = undefined;
      });
  }, options.pollRealMs ?? 100);

  return {
    nudge() {
      nextChangeMs = Number.NEGATIVE_INFINITY;
    },
    at(atMs, task) {
      tasks.push({ atMs, task });
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
