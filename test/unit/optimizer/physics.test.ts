import { miningRevenueUsd } from '../../../core/economics/energy.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { unitStartCostUsd, unitWakeLossUsd } from '../../../core/optimizer/physics.js';

describe('unit start cost', () => {
  // The reference S21 group at site-west-1: 200 TH/s at full power, 45 s to re-tune on wake, $0.05 wear per cycle.
  const s21 = referenceFleet.sites[0]!.asicGroups[0]!;

  it('loses the full-power hashing of the wake time, priced as mining revenue', () => {
    // 200 TH/s × $0.05/TH/day × 45 s / 86,400 s = $0.005208…
    expect(unitWakeLossUsd(s21, 0.05)).toBeCloseTo((200 * 0.05 * 45) / 86_400, 12);
    expect(unitWakeLossUsd(s21, 0.05)).toBe(miningRevenueUsd(200, 45 / 3600, 0.05));
  });

  it('adds the wear of a cycle to the wake loss', () => {
    expect(unitStartCostUsd(s21, 0.05)).toBeCloseTo(0.05 + (200 * 0.05 * 45) / 86_400, 12);
  });
});
