/**
 * What the platform has started, to stop again: each step registers its stop as soon as the part runs, so a failed
 * start stops what came before it and Ctrl-C stops everything, newest first.
 */
export class Stops {
  private readonly stops: Array<() => Promise<void>> = [];

  push(stop: () => Promise<void>): void {
    this.stops.push(stop);
  }

  /** Stops every registered part in reverse order; one that fails to stop does not keep the others running. */
  async stopAll(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse()) await stop().catch(() => {});
  }
}
