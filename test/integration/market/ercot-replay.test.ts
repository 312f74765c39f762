import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { openErcotReplay } from '../../../sim/market/ercot-replay.js';
import { parsePlatformArgs } from '../../../sim/platform/options.js';

describe('npm start -- --market ercot-replay', () => {
  it('is a flag of npm start, and not with another market', () => {
    // Act / Assess
    expect(parsePlatformArgs(['--market', 'ercot-replay']).market).toBe('ercot-replay');
    expect(() => parsePlatformArgs(['--market', 'ercot-replay', '--scenario', 'baseline-week'])).toThrow(/--market/);
    expect(() => parsePlatformArgs(['--market', 'nyiso'])).toThrow(/--market/);
  });

  it('replays the fixtures through the real client: known prices only, the correction, the rejected row', async () => {
    // Prepare
    const rejected: unknown[] = [];
    const { feed, stop } = await openErcotReplay(referenceFleet, 1, {
      rowsRejected: (rows) => void rejected.push(...rows),
      intervalsMissing: () => {},
    });

    try {
      // Act: 14:50 CST, the corrected interval 14:30–14:45 has ended; 14:40 it has not
      const after = await feed.snapshotAt(Date.parse('2026-11-28T20:50:00Z'));
      const during = await feed.snapshotAt(Date.parse('2026-11-28T20:40:00Z'));

      // Assess
      expect(after.at).toBe('2026-11-28T20:30:00.000Z');
      expect(after.prices.find((p) => p.node === 'HB_WEST')?.realTimeUsdPerMwh).toBe(21.5);
      expect(during.at).toBe('2026-11-28T20:15:00.000Z');
      expect(rejected).toHaveLength(1);
    } finally {
      await stop();
    }
  });
});
