import {
  accrueSince,
  addMoney,
  type EarningLoad,
  MAX_ACCRUAL_HOURS,
  NO_ACCRUAL,
  nodePriceUsdPerMwh,
  takeBatch,
} from '../../../core/telemetry-history/accrual.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';

const START_MS = Date.parse('2025-01-13T06:00:00Z');
const HOUR_MS = 3_600_000;
const power: EarningLoad = { asicKw: 1000, gpuKw: 0, hashrateThs: 48_000, busyGpus: 0 };
const market = marketSnapshotAt(START_MS, { HB_WEST: 40 });
const held = { power, sinceMs: START_MS };

describe("money accrued between a site's batches", () => {
  it('accrues the power held since the previous batch at the site price and the market hashprice', () => {
    // Act
    const { money, hours } = accrueSince(held, START_MS + HOUR_MS / 4, 40, market);

    // Assess: 48,000 TH/s at 0.05 $/TH/s/day for ¼ h; 1 MW for ¼ h at 40 $/MWh.
    expect(money.miningUsd).toBeCloseTo(48_000 * 0.05 * (0.25 / 24), 9);
    expect(money.energyCostUsd).toBeCloseTo(10, 9);
    expect(hours).toBe(0.25);
  });

  it('accrues nothing without a previous batch, a price or a market, nor over a gap or backwards', () => {
    // Assess
    expect(accrueSince(undefined, START_MS + 1000, 40, market)).toBe(NO_ACCRUAL);
    expect(accrueSince(held, START_MS + 1000, undefined, market)).toBe(NO_ACCRUAL);
    expect(accrueSince(held, START_MS + 1000, 40, undefined)).toBe(NO_ACCRUAL);
    expect(accrueSince(held, START_MS + MAX_ACCRUAL_HOURS * HOUR_MS + 1, 40, market)).toBe(NO_ACCRUAL);
    expect(accrueSince(held, START_MS - 1000, 40, market)).toBe(NO_ACCRUAL);
  });

  it('holds the newest batch: a late or repeated one accrues nothing and leaves the held power and instant', () => {
    // Prepare: a batch a quarter-hour after the held one, then the held one again.
    const next = { ...power, hashrateThs: 10_000 };
    const later = takeBatch(held, START_MS + HOUR_MS / 4, next, 40, market);

    // Act
    const repeat = takeBatch(later.held, START_MS, power, 40, market);
    const again = takeBatch(later.held, START_MS + HOUR_MS / 4, next, 40, market);

    // Assess
    expect(later).toMatchObject({ late: false, held: { power: next, sinceMs: START_MS + HOUR_MS / 4 } });
    expect(later.accrual.hours).toBe(0.25);
    expect(repeat).toEqual({ accrual: NO_ACCRUAL, held: later.held, late: true });
    expect(again).toEqual({ accrual: NO_ACCRUAL, held: later.held, late: true });
  });

  it("reads a site's price as its node's real-time price in the market snapshot", () => {
    // Assess
    expect(nodePriceUsdPerMwh(market, 'HB_WEST')).toBe(40);
    expect(nodePriceUsdPerMwh(market, 'LZ_WEST')).toBeUndefined();
    expect(nodePriceUsdPerMwh(undefined, 'HB_WEST')).toBeUndefined();
  });

  it('adds money by source', () => {
    // Assess
    expect(
      addMoney(
        { miningUsd: 1, inferenceUsd: 2, energyCostUsd: 3 },
        { miningUsd: 4, inferenceUsd: 5, energyCostUsd: 6 },
      ),
    ).toEqual({ miningUsd: 5, inferenceUsd: 7, energyCostUsd: 9 });
  });
});
