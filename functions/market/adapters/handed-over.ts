import type { MarketHistoryPoint } from '../../../core/market-data/history.js';

/**
 * What a source has handed the market history so far, per series (a node's capacity prices, the system load): each
 * ingestion run hands over only the points after the newest one handed over, so a run a minute does not rewrite a
 * day of stored points. Held in memory: a new Lambda container (or `npm start`) hands everything known over once
 * again, which is harmless (an append of a stored point merges into it). A re-posted correction of a point already
 * handed over is not sent again.
 */
export class HandedOver {
  private readonly newest = new Map<string, number>();

  /** The points of `series` after the newest handed over (all of them the first time); remembers the newest. */
  take(series: string, points: readonly MarketHistoryPoint[]): MarketHistoryPoint[] {
    const after = this.newest.get(series) ?? Number.NEGATIVE_INFINITY;
    const fresh = points.filter((p) => p.intervalStartMs > after);
    for (const p of fresh) this.newest.set(series, Math.max(this.newest.get(series) ?? after, p.intervalStartMs));
    return fresh;
  }
}
