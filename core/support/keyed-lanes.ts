/**
 * Work done one item at a time per key, with a bounded queue per key and no item queued twice: how a stand-in for a
 * service of bounded concurrency (an IoT rule's Lambda) keeps its backlog bounded when the store behind it slows.
 * An item refused (`duplicate`, `full`) must be one its sender sends again, as a gateway re-sends a telemetry batch
 * until it is acknowledged; without the bound, re-sends of a slow store's backlog pile up until the process runs
 * out of memory.
 */
export type LaneOffer = 'queued' | 'duplicate' | 'full';

interface Lane<T> {
  readonly ids: Set<string>;
  readonly queue: { readonly id: string; readonly item: T }[];
  running: boolean;
}

export class KeyedLanes<T> {
  private readonly lanes = new Map<string, Lane<T>>();
  private readonly drained = new Set<() => void>();

  constructor(
    private readonly run: (item: T) => Promise<void>,
    /** Items waiting per key, the one running not counted. */
    private readonly maxQueuedPerKey: number,
  ) {
    if (!Number.isInteger(maxQueuedPerKey) || maxQueuedPerKey < 1) {
      throw new Error(`maxQueuedPerKey must be a positive integer, got ${maxQueuedPerKey}`);
    }
  }

  /** Queues `item` under `key` unless an item with the same `id` is queued or running there, or the queue is full. */
  offer(key: string, id: string, item: T): LaneOffer {
    const lane = this.lanes.get(key) ?? { ids: new Set<string>(), queue: [], running: false };
    this.lanes.set(key, lane);
    if (lane.ids.has(id)) return 'duplicate';
    if (lane.queue.length >= this.maxQueuedPerKey) return 'full';
    lane.ids.add(id);
    lane.queue.push({ id, item });
    if (!lane.running) void this.drain(key, lane);
    return 'queued';
  }

  /** Items queued or running, over all keys. */
  get pending(): number {
    let count = 0;
    for (const lane of this.lanes.values()) count += lane.queue.length + (lane.running ? 1 : 0);
    return count;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.add(resolve));
  }

  private async drain(key: string, lane: Lane<T>): Promise<void> {
    lane.running = true;
    for (let next = lane.queue.shift(); next; next = lane.queue.shift()) {
      try {
        await this.run(next.item);
      } catch {
        // `run` reports its own failures; a failed item is re-sent by its sender like a refused one.
      }
      lane.ids.delete(next.id);
    }
    lane.running = false;
    this.lanes.delete(key);
    if (this.pending === 0) {
      for (const resolve of this.drained) resolve();
      this.drained.clear();
    }
  }
}
