import fc from 'fast-check';
import type { LadderRung } from '../../../../core/model/plan.js';
import { rungsAbovePrice, rungsBelowRestorePrice, rungsForShed } from '../src/ladder.js';

const ladderArb = fc
  .array(fc.record({ price: fc.integer({ min: -50, max: 500 }), kw: fc.integer({ min: 0, max: 20_000 }) }), {
    maxLength: 12,
  })
  .map((rows) =>
    rows
      .sort((a, b) => a.price - b.price)
      .map(
        (r, i): LadderRung => ({ groupId: `g${i}`, kind: 'asic', stopAbovePriceUsdPerMwh: r.price, sheddableKw: r.kw }),
      ),
  );

describe('merit-order ladder', () => {
  const ladder: LadderRung[] = [
    { groupId: 'old', kind: 'asic', stopAbovePriceUsdPerMwh: 60, sheddableKw: 9000 },
    { groupId: 'new', kind: 'asic', stopAbovePriceUsdPerMwh: 90, sheddableKw: 14000 },
    { groupId: 'gpu', kind: 'gpu', stopAbovePriceUsdPerMwh: 400, sheddableKw: 150 },
  ];

  it('curtails exactly the rungs whose stop price is below the price', () => {
    expect(rungsAbovePrice(ladder, 60)).toEqual([]);
    expect(rungsAbovePrice(ladder, 60.01)).toEqual(['old']);
    expect(rungsAbovePrice(ladder, 500)).toEqual(['old', 'new', 'gpu']);
  });

  it('lets a rung back only below its stop price minus the hysteresis', () => {
    expect(rungsBelowRestorePrice(ladder, 55, 10)).toEqual(['new', 'gpu']);
    expect(rungsBelowRestorePrice(ladder, 50, 10)).toEqual(['old', 'new', 'gpu']);
  });

  it('sheds the cheapest rungs until the load is met', () => {
    expect(rungsForShed(ladder, 8000)).toEqual(['old']);
    expect(rungsForShed(ladder, 9001)).toEqual(['old', 'new']);
    expect(rungsForShed(ladder, 0)).toEqual([]);
  });

  it('curtails a prefix of the ladder at any price, and never curtails and restores the same rung', () => {
    fc.assert(
      fc.property(ladderArb, fc.integer({ min: -100, max: 600 }), fc.integer({ min: 0, max: 50 }), (l, price, band) => {
        const off = rungsAbovePrice(l, price);
        expect(off).toEqual(l.slice(0, off.length).map((r) => r.groupId));
        const back = new Set(rungsBelowRestorePrice(l, price, band));
        expect(off.some((g) => back.has(g))).toBe(false);
      }),
    );
  });

  it('sheds at least the asked load when the ladder holds it, with no rung to spare', () => {
    fc.assert(
      fc.property(ladderArb, fc.integer({ min: 0, max: 100_000 }), (l, shedKw) => {
        const chosen = rungsForShed(l, shedKw);
        const kw = (ids: string[]) => l.filter((r) => ids.includes(r.groupId)).reduce((s, r) => s + r.sheddableKw, 0);
        const total = kw(l.map((r) => r.groupId));
        if (total >= shedKw) expect(kw(chosen)).toBeGreaterThanOrEqual(shedKw);
        else expect(chosen).toHaveLength(l.length);
        if (chosen.length > 0) expect(kw(chosen.slice(0, -1))).toBeLessThan(shedKw);
      }),
    );
  });
});
