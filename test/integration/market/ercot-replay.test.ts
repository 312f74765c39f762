import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { ERCOT_REPLAY_DAYS, openErcotReplay } from '../../../sim/market/ercot-replay.js';
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
    const { feed, stop } = await openErcotReplay(
      referenceFleet,
      1,
      { rowsRejected: (rows) => void rejected.push(...rows), intervalsMissing: () => {} },
      ERCOT_REPLAY_DAYS.anomalies,
    );

    try {
      // Act: 14:50 CST, the corrected interval 14:30–14:45 has ended; 14:40 it has not
      const after = await feed.snapshotAt(Date.parse('2026-11-28T20:50:00Z'));
      const during = await feed.snapshotAt(Date.parse('2026-11-28T20:40:00Z'));

      // Assess
      expect(after.at).toBe('2026-11-28T20:30:00.000Z');
      expect(after.prices.find((p) => p.node === 'HB_WEST')?.realTimeUsdPerMwh).toBe(21.5);
      expect(during.at).toBe('2026-11-28T20:15:00.000Z');
      expect(rejected).toHaveLength(2);
    } finally {
      await stop();
    }
  });

  it('replays three days in a row across the 25-hour day, every 15-minute interval once and in order', async () => {
    // Prepare
    const missing: unknown[] = [];
    const { feed, stop } = await openErcotReplay(referenceFleet, 1, {
      rowsRejected: () => {},
      intervalsMissing: (intervals) => void missing.push(...intervals),
    });

    try {
      // Act: a run every 15 minutes from the feed's start to its end, as the platform's ingestion does
      const seen: string[] = [];
      const lmpSeen: string[] = [];
      for (let atMs = feed.startMs; atMs < feed.endMs; atMs += 15 * 60_000) {
        const snapshot = await feed.snapshotAt(atMs);
        seen.push(snapshot.at);
        lmpSeen.push(snapshot.prices[0]?.lmp?.intervalStartAt ?? 'none');
      }

      // Assess: 24 + 25 + 24 hours from 2026-10-31 00:00 CDT to 2026-11-03 00:00 CST; both 01:00–02:00 hours
      const expected = Array.from({ length: 73 * 4 }, (_, i) =>
        new Date(Date.parse('2026-10-31T05:00:00Z') + i * 15 * 60_000).toISOString(),
      );
      expect(seen).toEqual(expected);
      expect(seen).toContain('2026-11-01T06:30:00.000Z');
      expect(seen).toContain('2026-11-01T07:30:00.000Z');
      expect(lmpSeen).not.toContain('none');
      expect(missing).toEqual([]);
    } finally {
      await stop();
    }
  });

  it('publishes the DAM capacity prices and the ERCOT system load over the same HTTP path, as posted', async () => {
    // Prepare
    const { feed, stop } = await openErcotReplay(referenceFleet, 1, {
      rowsRejected: () => {},
      intervalsMissing: () => {},
    });

    try {
      // Act: 2026-11-01 14:00 CST, after the DAM posted 11-02; NP6-345-CD has posted up to 10-31
      const atMs = Date.parse('2026-11-01T20:00:00Z');
      const capacity = await feed.ancillaryPricesAt(atMs);
      const load = await feed.systemLoadAt(atMs);

      // Assess: the rest of 11-01 and all of 11-02 priced; load from the first fixture day to the end of 10-31
      expect(capacity[0]!.intervalStartMs).toBe(atMs);
      expect(capacity.at(-1)!.intervalStartMs).toBe(Date.parse('2026-11-03T05:45:00Z'));
      expect(load[0]!.intervalStartMs).toBe(Date.parse('2026-10-10T05:00:00Z'));
      expect(load.at(-1)!.intervalStartMs).toBe(Date.parse('2026-11-01T04:00:00Z'));
      expect(load).toHaveLength(22 * 24);
    } finally {
      await stop();
    }
  });
});
