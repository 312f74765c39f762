import {
  dayAheadKnownEnd,
  deploymentsFromPrices,
  drInForce,
  ERCOT_PUBLICATION,
  knownAt,
  type MarketRecord,
} from '../../../core/market-data/known-at.js';

const STEP_MS = 15 * 60_000;
/** 2024-11-04 00:00 Central standard time (UTC−6). */
const MIDNIGHT_CENTRAL = Date.UTC(2024, 10, 4, 6);
const DAY_MS = 86_400_000;

function record(overrides: Partial<MarketRecord> = {}): MarketRecord {
  const n = 3 * 96;
  return {
    startMs: MIDNIGHT_CENTRAL,
    stepMinutes: 15,
    rtUsdPerMwh: Array.from({ length: n }, (_, i) => i),
    daUsdPerMwh: Array.from({ length: n }, (_, i) => 1000 + i),
    hashpriceDays: [0, 1, 2, 3].map((d) => ({ dayStartMs: Date.UTC(2024, 10, 3 + d), value: 0.04 + d / 100 })),
    gridEvents: [],
    publication: ERCOT_PUBLICATION,
    ...overrides,
  };
}

describe('the known-at view', () => {
  it('publishes a real-time price five minutes after its interval ends', () => {
    // Act: at the start of interval 4, and six minutes later.
    const atStart = knownAt(record(), MIDNIGHT_CENTRAL + 4 * STEP_MS);
    const later = knownAt(record(), MIDNIGHT_CENTRAL + 4 * STEP_MS + 6 * 60_000);
    // Assess
    expect(atStart.rtUsdPerMwh).toEqual([0, 1, 2]);
    expect(later.rtUsdPerMwh).toEqual([0, 1, 2, 3]);
  });

  it('publishes the next operating day’s day-ahead prices at 13:30 Central, not before', () => {
    const before = MIDNIGHT_CENTRAL + (13 * 60 + 29) * 60_000;
    const after = MIDNIGHT_CENTRAL + (13 * 60 + 30) * 60_000;
    expect(knownAt(record(), before).daUsdPerMwh).toHaveLength(96);
    expect(knownAt(record(), after).daUsdPerMwh).toHaveLength(2 * 96);
    expect(dayAheadKnownEnd(record(), ERCOT_PUBLICATION, after)).toBe(2 * 96);
  });

  it('finds the operating day across the end of daylight time (a 25-hour day)', () => {
    // 2024-11-03 is the fall-back day: Central midnight 05:00Z, the next midnight 25 hours later; 14:00 CST is 20:00Z.
    const start = Date.UTC(2024, 10, 3, 5);
    const grid = { startMs: start, stepMinutes: 15 };
    expect(dayAheadKnownEnd(grid, ERCOT_PUBLICATION, start + 15 * 3_600_000)).toBe(25 * 4 + 96);
    expect(dayAheadKnownEnd(grid, ERCOT_PUBLICATION, start + 14 * 3_600_000)).toBe(25 * 4);
  });

  it('knows a day’s hashprice only once its UTC day has ended', () => {
    const noonUtc = Date.UTC(2024, 10, 5, 12);
    expect(knownAt(record(), noonUtc).hashpriceUsdPerThDay).toBeCloseTo(0.05); // 2024-11-04's value
    expect(knownAt(record(), Date.UTC(2024, 10, 6)).hashpriceUsdPerThDay).toBeCloseTo(0.06);
  });

  it('derives deployments from prices without revealing them: noticed when the first price is published', () => {
    const prices = [10, 2500, 3000, 50, 10];
    const events = deploymentsFromPrices({ startMs: 0, stepMinutes: 15, rtUsdPerMwh: prices }, ERCOT_PUBLICATION, 2000);
    expect(events).toEqual([
      {
        kind: 'dr-deployment',
        startMs: STEP_MS,
        endMs: 3 * STEP_MS,
        noticeMs: 2 * STEP_MS + 5 * 60_000,
        recallNoticeMs: 4 * STEP_MS + 5 * 60_000,
      },
    ]);
    const market = record({ startMs: 0, rtUsdPerMwh: prices, hashpriceDays: [{ dayStartMs: -DAY_MS, value: 0.05 }] });
    const withEvents = { ...market, gridEvents: events };
    // At the start of interval 2 the deployment is not yet noticed; at interval 3 it is, with no end known.
    expect(drInForce(knownAt(withEvents, 2 * STEP_MS), 2 * STEP_MS)).toBe(false);
    const atThree = knownAt(withEvents, 3 * STEP_MS);
    expect(atThree.gridEvents).toEqual([{ kind: 'dr-deployment', startMs: STEP_MS }]);
    expect(drInForce(atThree, 3 * STEP_MS)).toBe(true);
    expect(drInForce(knownAt(withEvents, 5 * STEP_MS), 4 * STEP_MS)).toBe(false);
  });

  it('refuses a view before any hashprice day has ended, naming the cause', () => {
    expect(() => knownAt(record(), Date.UTC(2024, 10, 3, 12))).toThrow('hashprice');
  });
});
