import type { MarketSnapshot } from '../../../core/model/market.js';
import {
  type MarketInterval,
  type MarketStreamOptions,
  marketStream,
  toMarketSnapshot,
} from '../../../core/synthetic/market-stream.js';
import type { MarketDataSource } from '../ports.js';

/**
 * The seeded synthetic market (core/synthetic) as a source: the same seed and scenario give the same snapshots, so a
 * local run or a demo replays exactly. Time only moves forward: asking for an earlier instant than the last answer
 * restarts the stream.
 */
export class SyntheticMarketSource implements MarketDataSource {
  readonly name = 'synthetic';
  private stream: Generator<MarketInterval> | undefined;
  private current: MarketInterval | undefined;
  private next: MarketInterval | undefined;

  constructor(private readonly options: MarketStreamOptions) {}

  async snapshotAt(atMs: number): Promise<MarketSnapshot> {
    if (!this.stream || (this.current && atMs < this.current.startMs)) this.restart();
    while (this.next && this.next.startMs <= atMs) this.advance();
    if (!this.current || atMs < this.current.startMs) {
      throw new RangeError(
        `the scenario starts at ${this.options.scenario.start}, after ${new Date(atMs).toISOString()}`,
      );
    }
    if (!this.next && atMs >= this.current.startMs + this.current.stepMinutes * 60_000) {
      throw new RangeError(`the scenario ends before ${new Date(atMs).toISOString()}`);
    }
    return toMarketSnapshot(this.current);
  }

  private restart(): void {
    this.stream = marketStream(this.options);
    this.current = undefined;
    this.next = this.stream.next().value ?? undefined;
    if (this.next) this.advance();
  }

  private advance(): void {
    this.current = this.next;
    const step = this.stream!.next();
    this.next = step.done ? undefined : step.value;
  }
}
