import { type Bid, bidServableIn, remainingGpuHours } from '../../core/bids/bid.js';
import { type ClearingBid, clearBids, fillAmountUsd } from '../../core/bids/clearing.js';
import type { BidFillWrite, ClearingRecord, DynamoBidStore } from '../shared/data/bid-store.js';

/**
 * Clears one interval's bids against the GPU-hours the plan assigned to bids, per model class (core/bids/clearing.ts),
 * and records the fills with the clearing in one transaction per class. A bid that changed since the read (cancelled,
 * amended) makes the transaction fail as a whole: it is read again from its own item (the open-bids index may lag) and
 * the class is cleared again, so a cancelled bid is never filled and the price is always that of the fills written.
 * Bids whose deadline has passed are closed as expired first.
 */
export type BidClearingStore = Pick<DynamoBidStore, 'open' | 'get' | 'replace' | 'recordClearing'>;

export interface IntervalToClear {
  readonly intervalStart: string;
  readonly intervalEnd: string;
  /** GPU-hours the plan assigns to bids in the interval, per model class. */
  readonly capacityGpuHoursByClass: Readonly<Record<string, number>>;
  readonly nowIso: string;
}

/** One transaction holds at most 100 writes: 99 fills and the clearing record. */
const MAX_FILLS_PER_CLEARING = 99;
const MAX_ATTEMPTS = 5;

export const clearingBidOf = (bid: Bid): ClearingBid => ({
  id: bid.id,
  tenantId: bid.tenantId,
  limitUsdPerGpuHour: bid.limitUsdPerGpuHour,
  remainingGpuHours: remainingGpuHours(bid),
  allOrNothing: bid.allOrNothing,
  placedAt: bid.placedAt,
  status: bid.status,
});

export async function clearInterval(store: BidClearingStore, interval: IntervalToClear): Promise<ClearingRecord[]> {
  const fromMs = Date.parse(interval.intervalStart);
  const toMs = Date.parse(interval.intervalEnd);
  let open = await store.open();
  for (const bid of open.filter((b) => Date.parse(b.deadlineAt) <= fromMs)) {
    await store.replace({ ...bid, status: 'expired', updatedAt: interval.nowIso, version: bid.version + 1 });
  }
  open = open.filter((b) => Date.parse(b.deadlineAt) > fromMs);
  const records: ClearingRecord[] = [];
  for (const [modelClass, capacityGpuHours] of Object.entries(interval.capacityGpuHoursByClass)) {
    let bids = open.filter((b) => b.modelClass === modelClass);
    for (let attempt = 1; ; attempt += 1) {
      const servable = bids.filter((b) => bidServableIn(b, fromMs, toMs));
      const result = clearBids(servable.map(clearingBidOf), capacityGpuHours);
      const fills = result.fills.slice(0, MAX_FILLS_PER_CLEARING);
      const price = fills.length ? Math.min(...fills.map((f) => f.limitUsdPerGpuHour)) : null;
      const clearingId = `${interval.intervalStart}#${modelClass}`;
      const writes: BidFillWrite[] = fills.map((f) => ({
        bid: servable.find((b) => b.id === f.bidId)!,
        fill: {
          clearingId,
          intervalStart: interval.intervalStart,
          gpuHours: f.gpuHours,
          priceUsdPerGpuHour: price!,
          amountUsd: fillAmountUsd(f.gpuHours, price!),
        },
      }));
      const record: ClearingRecord = {
        clearingId,
        intervalStart: interval.intervalStart,
        modelClass,
        priceUsdPerGpuHour: price,
        capacityGpuHours,
        fills: writes.map((w) => ({ bidId: w.bid.id, tenantId: w.bid.tenantId, ...pick(w.fill) })),
        skipped: [...result.skipped],
        clearedAt: interval.nowIso,
      };
      const outcome = await store.recordClearing(record, writes);
      if (outcome.ok) {
        if (!outcome.alreadyCleared) records.push(record);
        break;
      }
      if (attempt >= MAX_ATTEMPTS)
        throw new Error(`clearing ${clearingId}: bids kept changing (${outcome.conflicted})`);
      // Read the changed bids from their own items: the index may still show a cancelled bid as open.
      const fresh = await Promise.all(
        outcome.conflicted.map((id) => store.get(bids.find((b) => b.id === id)!.tenantId, id)),
      );
      bids = bids.map((b) => fresh.find((f) => f?.id === b.id) ?? b);
    }
  }
  return records;
}

const pick = (fill: BidFillWrite['fill']) => ({ gpuHours: fill.gpuHours, amountUsd: fill.amountUsd });
