import fc from 'fast-check';
import { type ClearingBid, clearBids, fillAmountUsd } from '../../../core/bids/clearing.js';

const bidArb = fc.record({
  id: fc.uuid(),
  tenantId: fc.constantFrom('t1', 't2', 't3'),
  limitUsdPerGpuHour: fc.integer({ min: 150, max: 2000 }).map((c) => c / 100),
  remainingGpuHours: fc.integer({ min: 1, max: 5000 }).map((c) => c / 100),
  allOrNothing: fc.boolean(),
  placedAt: fc.integer({ min: 0, max: 1e9 }).map((s) => new Date(1.7e12 + s * 1000).toISOString()),
  status: fc.constantFrom('open', 'open', 'open', 'cancelled', 'expired'),
}) satisfies fc.Arbitrary<ClearingBid>;
const bookArb = fc.uniqueArray(bidArb, { selector: (b) => b.id, maxLength: 30 });
const capacityArb = fc.integer({ min: 0, max: 20_000 }).map((c) => c / 100);

describe('clearBids (the clearing rule of issue 28)', () => {
  it('prices at the lowest accepted limit, never above any accepted bid’s limit', () => {
    fc.assert(
      fc.property(bookArb, capacityArb, (bids, capacity) => {
        const { fills, priceUsdPerGpuHour } = clearBids(bids, capacity);
        if (fills.length === 0) return priceUsdPerGpuHour === undefined;
        return (
          fills.every((f) => priceUsdPerGpuHour! <= f.limitUsdPerGpuHour) &&
          fills.some((f) => f.limitUsdPerGpuHour === priceUsdPerGpuHour)
        );
      }),
    );
  });

  it('never fills more than the capacity, nor more than a bid wants', () => {
    fc.assert(
      fc.property(bookArb, capacityArb, (bids, capacity) => {
        const { fills, unsoldGpuHours } = clearBids(bids, capacity);
        const filled = fills.reduce((a, f) => a + f.gpuHours, 0);
        const wanted = new Map(bids.map((b) => [b.id, b.remainingGpuHours]));
        return (
          filled <= capacity + 1e-6 &&
          Math.abs(filled + unsoldGpuHours - capacity) < 1e-6 &&
          fills.every((f) => f.gpuHours > 0 && f.gpuHours <= wanted.get(f.bidId)! + 1e-9)
        );
      }),
    );
  });

  it('fills an all-or-nothing bid whole or skips it, never splits it', () => {
    fc.assert(
      fc.property(bookArb, capacityArb, (bids, capacity) => {
        const { fills } = clearBids(bids, capacity);
        const byId = new Map(bids.map((b) => [b.id, b]));
        return fills.every(
          (f) => !byId.get(f.bidId)!.allOrNothing || f.gpuHours === byId.get(f.bidId)!.remainingGpuHours,
        );
      }),
    );
  });

  it('never fills a cancelled or expired bid', () => {
    fc.assert(
      fc.property(bookArb, capacityArb, (bids, capacity) => {
        const { fills, skipped } = clearBids(bids, capacity);
        const closed = new Set(bids.filter((b) => b.status !== 'open').map((b) => b.id));
        return (
          fills.every((f) => !closed.has(f.bidId)) &&
          [...closed].every((id) => skipped.some((s) => s.bidId === id && s.reason === 'not-open'))
        );
      }),
    );
  });

  it('serves a higher limit before a lower one: a divisible bid left short means no lower bid was filled', () => {
    fc.assert(
      fc.property(bookArb, capacityArb, (bids, capacity) => {
        const { fills } = clearBids(bids, capacity);
        const filled = new Map(fills.map((f) => [f.bidId, f.gpuHours]));
        const short = bids.filter(
          (b) => b.status === 'open' && !b.allOrNothing && (filled.get(b.id) ?? 0) < b.remainingGpuHours - 1e-9,
        );
        return short.every((s) => fills.every((f) => f.limitUsdPerGpuHour >= s.limitUsdPerGpuHour));
      }),
    );
  });

  it('skips an all-or-nothing bid that does not fit and goes on to a smaller one below it', () => {
    // Prepare
    const at = '2026-12-07T00:00:00.000Z';
    const bids: ClearingBid[] = [
      {
        id: 'big',
        tenantId: 't1',
        limitUsdPerGpuHour: 9,
        remainingGpuHours: 50,
        allOrNothing: true,
        placedAt: at,
        status: 'open',
      },
      {
        id: 'small',
        tenantId: 't2',
        limitUsdPerGpuHour: 4,
        remainingGpuHours: 30,
        allOrNothing: false,
        placedAt: at,
        status: 'open',
      },
    ];
    // Act
    const result = clearBids(bids, 40);
    // Assess
    expect(result.fills).toEqual([{ bidId: 'small', tenantId: 't2', gpuHours: 30, limitUsdPerGpuHour: 4 }]);
    expect(result.priceUsdPerGpuHour).toBe(4);
    expect(result.skipped).toEqual([{ bidId: 'big', reason: 'all-or-nothing-does-not-fit' }]);
    expect(result.unsoldGpuHours).toBe(10);
  });

  it('bills a fill at the uniform price to the micro-dollar', () => {
    expect(fillAmountUsd(1.234567, 3.5)).toBe(4.320985);
  });
});
