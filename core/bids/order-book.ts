import { type Bid, bidServableIn, bidUnitOf, remainingGpuHours } from './bid.js';
import { bidPriority } from './clearing.js';
import type { BidUnit } from './units.js';

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
  for (const bid of bids.filter((b) => inBook(b, nowMs))) {
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

const inBook = (bid: Bid, nowMs: number) =>
  bidServableIn(bid, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY) && Date.parse(bid.deadlineAt) > nowMs;

/**
 * The market as operators see it (GET /v1/market/bids): the book, every tenant's servable bids in clearing order
 * (highest limit first), and the clearings given, newest first; `modelClass` narrows all three to one class.
 */
export interface BidMarketView<C> {
  readonly asOf: string;
  readonly book: readonly ModelClassBook[];
  readonly openBids: ReadonlyArray<
    Pick<
      Bid,
      | 'id'
      | 'tenantId'
      | 'modelClass'
      | 'limitUsdPerGpuHour'
      | 'tokens'
      | 'limitUsdPerMillionTokens'
      | 'earliestStartAt'
      | 'deadlineAt'
      | 'allOrNothing'
      | 'placedAt'
    > & { readonly unit: BidUnit; readonly remainingGpuHours: number }
  >;
  readonly clearings: readonly C[];
}

export function bidMarket<C extends { readonly modelClass: string; readonly intervalStart: string }>(
  bids: readonly Bid[],
  clearings: readonly C[],
  nowMs: number,
  modelClass?: string,
): BidMarketView<C> {
  const mine = <T extends { modelClass: string }>(items: readonly T[]) =>
    modelClass === undefined ? [...items] : items.filter((i) => i.modelClass === modelClass);
  const open = mine(bids).filter((b) => inBook(b, nowMs));
  return {
    asOf: new Date(nowMs).toISOString(),
    book: orderBook(open, nowMs),
    openBids: open
      .map((b) => ({ ...b, remainingGpuHours: remainingGpuHours(b) }))
      .sort(bidPriority)
      .map((b) => ({
        id: b.id,
        tenantId: b.tenantId,
        modelClass: b.modelClass,
        unit: bidUnitOf(b),
        limitUsdPerGpuHour: b.limitUsdPerGpuHour,
        ...(b.tokens === undefined ? {} : { tokens: b.tokens, limitUsdPerMillionTokens: b.limitUsdPerMillionTokens }),
        earliestStartAt: b.earliestStartAt,
        deadlineAt: b.deadlineAt,
        allOrNothing: b.allOrNothing,
        placedAt: b.placedAt,
        remainingGpuHours: b.remainingGpuHours,
      })),
    clearings: mine(clearings).sort(
      (a, b) => b.intervalStart.localeCompare(a.intervalStart) || a.modelClass.localeCompare(b.modelClass),
    ),
  };
}
