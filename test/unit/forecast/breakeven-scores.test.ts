import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { ERCOT_PUBLICATION, type MarketRecord } from '../../../core/market-data/known-at.js';
import { scoreBreakevenClassifier } from '../../../sim/forecast/breakeven-scores.js';

const STEP_MINUTES = 15;
const START_MS = Date.UTC(2025, 0, 6, 6);
const DAYS = 12;

/** $300/MWh from 23:00 to 01:00 UTC every day (the evening peak in Central time), $30 otherwise. */
function eveningPeaks(): MarketRecord {
  const rt = Array.from({ length: DAYS * 96 }, (_, i) => {
    const hourUtc = new Date(START_MS + i * STEP_MINUTES * 60_000).getUTCHours();
    return hourUtc === 23 || hourUtc === 0 ? 300 : 30;
  });
  return {
    startMs: START_MS,
    stepMinutes: STEP_MINUTES,
    rtUsdPerMwh: rt,
    hashpriceDays: Array.from({ length: DAYS + 2 }, (_, d) => ({
      dayStartMs: START_MS - 2 * 86_400_000 + d * 86_400_000,
      value: 0.05,
    })),
    gridEvents: [],
    publication: ERCOT_PUBLICATION,
  };
}

describe('breakeven classifier scores', () => {
  it('scores each ASIC group at its breakeven, and finds skill over the base rate on a daily peak', () => {
    // Prepare: one site's groups (breakevens $100–150 at $0.05/TH/s/day); decisions every 6 h from day 7, 6 h ahead
    const site = referenceFleet.sites[0]!;
    const window = { firstOrigin: 7 * 96, horizonSteps: 24, everySteps: 24 };

    // Act
    const scores = scoreBreakevenClassifier(eveningPeaks(), [site], window);

    // Assess: one score per group; every interval scored; the peak (2 h of 24) is above each breakeven
    expect(scores.map((s) => s.groupId)).toEqual(site.asicGroups.map((g) => g.id));
    const origins = Math.floor((DAYS * 96 - 24 - 7 * 96) / 24) + 1;
    for (const s of scores) {
      expect(s.count).toBe(origins * 24);
      expect(s.baseRate).toBeCloseTo(2 / 24, 2);
      expect(s.brier).toBeLessThan(s.brierClimatology / 2);
    }
  });
});
