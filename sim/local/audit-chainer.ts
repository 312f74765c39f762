import { chainPending } from '../../functions/shared/data/audit-log.js';
import type { StoreDeps } from '../../functions/shared/data/dynamo-helpers.js';

/**
 * The local platform's audit chainer: what the table's stream and the chain Lambda do in AWS. Each committed outbox
 * write names its shard partition (`AuditDeps.onOutbox`); the chainer links that partition's outbox, one run per
 * partition at a time, and a wake during a run makes it run once more, so events that arrive while it works are
 * linked in the next batch. A run that fails (DynamoDB Local busy) leaves the events in the outbox; the next wake or
 * any reader of the chain links them.
 */
export class LocalAuditChainer {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private failures = 0;
  private linkedCount = 0;

  constructor(
    private readonly deps: StoreDeps,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  /** The outbox of `partition` has an event: link it. */
  readonly wake = (partition: string): void => {
    if (this.running.has(partition)) {
      this.again.add(partition);
      return;
    }
    const run = this.drain(partition).finally(() => this.running.delete(partition));
    this.running.set(partition, run);
  };

  private async drain(partition: string): Promise<void> {
    do {
      this.again.delete(partition);
      try {
        this.linkedCount += await chainPending(this.deps, partition);
      } catch (error) {
        this.failures += 1;
        this.onError(error);
      }
    } while (this.again.has(partition));
  }

  /** Resolves once no partition is being linked (every wake so far has run). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  get stats() {
    return { linked: this.linkedCount, failures: this.failures };
  }
}
