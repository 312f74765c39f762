import { type Bid, bidServableIn, remainingGpuHours } from './bid.js';

/**
 * The order book as the dashboard and the operator see it: per model class, the open bids' remaining work at each
 * limit, highest limit first, with the cumulative GPU-hours down the book (the demand curve the optimizer weighs
 * against mining).
 */
export interface BookLevel {
  readonly limitUsdPerGpuHour: number;
  readonly gpuHours: number;
  readonly bids: number;
  /** GPU-hours wanted at this limit or above. */
  readonly cumulativeGpuHours: number;
}

export interface ModelClassBook {
  readonly modelClass: string;
  readonly levels: readonly BookLevel[];
}

/** The book of the bids servable at `nowMs` (open, work left, window not over). */
export function orderBook(bids: readonly Bid[], nowMs: number): ModelClassBook[] {
  const byClass = new Map<string, Map<number, { gpuHours: number; bids: number }>>();
  for (const bid of bids) {
    if (!bidServableIn(bid, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)) continue;
    if (Date.parse(bid.deadlineAt) <= nowMs) continue;
    const levels = byClass.get(bid.modelClass) ?? new Map<number, { gpuHours: number; bids: number }>();
    const level = levels.get(bid.limitUsdPerGpuHour) ?? { gpuHours: 0, bids: 0 };
    levels.set(bid.limitUsdPerGpuHour, { gpuHours: level.gpuHours + remainingGpuHours(bid), bids: level.bids + 1 });
    byClass.set(bid.modelClass, levels);
  }
  return [...byClass.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([modelClass, levels]) => {
      let cumulative = 0;
      const sorted = [...levels.entries()].sort(([a], [b]) => b - a);
      return {
        modelClass,
        levels: sorted.map(([limitUsdPerGpuHour, level]) => {
          cumulative += level.gpuHours;
          return { limitUsdPerGpuHour, ...level, cumulativeGpuHours: cumulative };
        }),
      };
    });
}
