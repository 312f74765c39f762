import { accrueSince, addMoney, MAX_ACCRUAL_HOURS, NO_MONEY } from '../../../../sim/platform/observer/accrual.js';
import type { SitePower } from '../../../../sim/platform/site-power.js';
import { marketSnapshotAt } from '../market-fixture.js';

const START_MS = Date.parse('2025-01-13T06:00:00Z');
const HOUR_MS = 3_600_000;
const power: SitePower = {
  asicKw: 1000,
  gpuKw: 0,
  curtailedKw: 0,
  hashrateThs: 48_000,
  busyGpus: 0,
  servingGpus: 0,
  poweredGpus: 0,
  gpuUtilizationPct: null,
  drifted: 0,
  devicesByState: {},
};
const market = marketSnapshotAt(START_MS, { HB_WEST: 40 });
const held = { power, sinceMs: START_MS };

describe('observer accrual', () => {
  it('accrues the power held since the previous batch at the site price and the market hashprice', () => {
    // Act
    const money = accrueSince(held, START_MS + HOUR_MS / 4, 40, market);

    // Assess: 48,000 TH/s at 0.05 $/TH/s/day for ¼ h; 1 MW for ¼ h at 40 $/MWh.
    expect(money.miningUsd).toBeCloseTo(48_000 * 0.05 * (0.25 / 24), 9);
    expect(money.energyCostUsd).toBeCloseTo(10, 9);
  });

  it('accrues nothing without a previous batch, a price or a market, nor over a gap or backwards', () => {
    // Assess
    expect(accrueSince(undefined, START_MS + 1000, 40, market)).toBe(NO_MONEY);
    expect(accrueSince(held, START_MS + 1000, undefined, market)).toBe(NO_MONEY);
    expect(accrueSince(held, START_MS + 1000, 40, undefined)).toBe(NO_MONEY);
    expect(accrueSince(held, START_MS + MAX_ACCRUAL_HOURS * HOUR_MS + 1, 40, market)).toBe(NO_MONEY);
    expect(accrueSince(held, START_MS - 1000, 40, market)).toBe(NO_MONEY);
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
