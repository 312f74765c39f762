import type { Clock } from '../../../../core/support/clock.js';

/**
 * A reading of the nodes taken at most every `periodMs` and one at a time: a slow exporter is never asked again while
 * the last reading is still out, and every caller meanwhile waits for that same reading.
 */
export class PeriodicRead {
  private lastMs = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly periodMs: number) {}

  due(nowMs: number): boolean {
    return nowMs - this.lastMs >= this.periodMs;
  }

  /** Runs `read` stamped with the clock's time now, unless a reading is already out (that one is returned). */
  run(clock: Clock, read: (atMs: number) => Promise<void>): Promise<void> {
    this.inFlight ??= (async () => {
      const atMs = clock.nowMs();
      this.lastMs = atMs;
      await read(atMs);
    })().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }
}
