import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { UNDER_FREQUENCY_TRIP_HZ } from '../../../core/messages/grid-signal.js';
import { marketSnapshotSchema } from '../../../core/model/market.js';
import { streamRng } from '../../../core/synthetic/draws.js';
import { type FrequencyDip, FrequencySampler, frequencyDipEndMs } from '../../../core/synthetic/grid-events.js';
import { marketStream, toMarketSnapshot } from '../../../core/synthetic/market-stream.js';
import { loadCalibration } from '../../../sim/synthetic/calibration-file.js';
import { loadScenario } from '../../../sim/synthetic/scenario-files.js';

const calibration = loadCalibration();
const stream = (name: string, seed: number, days?: number) => [
  ...marketStream({
    calibration,
    scenario: loadScenario(name),
    fleet: referenceFleet,
    seed,
    ...(days ? { days } : {}),
  }),
];

describe('grid frequency', () => {
  it('dips below 59.7 Hz rarely, and only inside a dip', () => {
    // Prepare: a normal month.
    const intervals = stream('baseline-week', 21, 30);
    const dips: FrequencyDip[] = intervals.flatMap((i) => [...i.frequencyDips]);
    const startMs = intervals[0]!.startMs;
    const sampler = new FrequencySampler(dips, 10, streamRng(21, 'frequency'));

    // Act
    const below: number[] = [];
    for (let atMs = startMs; atMs < startMs + 30 * 86_400_000; atMs += 10_000) {
      if (sampler.sample(atMs) < UNDER_FREQUENCY_TRIP_HZ) below.push(atMs);
    }

    // Assess: ERCOT sees a handful a year; the default rate is 0.01 a day.
    expect(dips.length).toBeLessThanOrEqual(3);
    expect(below.length).toBeLessThan(0.0005 * 30 * 8640);
    for (const atMs of below) expect(dips.some((d) => atMs >= d.startMs && atMs <= frequencyDipEndMs(d))).toBe(true);
  });

  it('dips below 59.7 Hz repeatedly in a grid emergency, each one reaching below the trip line', () => {
    // Prepare
    const scenario = loadScenario('grid-emergency');
    const window = scenario.grid.emergencyWindows[0]!;
    const windowStartMs = Date.parse(scenario.start) + window.startHour * 3_600_000;
    const windowEndMs = windowStartMs + window.durationHours * 3_600_000;
    let inside = 0;
    let outside = 0;
    const programs = new Set<string>();

    // Act: five seeds; 12 dips a day inside the 4-hour window is 2 per seed on average, 0.05 a day outside.
    for (let seed = 1; seed <= 5; seed++) {
      const intervals = stream('grid-emergency', seed);
      const dips = intervals.flatMap((i) => [...i.frequencyDips]);
      const sampler = new FrequencySampler(dips, 1, streamRng(seed, 'frequency'));
      for (const dip of dips) {
        if (dip.startMs >= windowStartMs && dip.startMs < windowEndMs) inside++;
        else outside++;
        expect(dip.nadirHz).toBeLessThan(UNDER_FREQUENCY_TRIP_HZ);
        expect(dip.nadirHz).toBeGreaterThan(59.3);
        expect(sampler.sample(dip.startMs + dip.fallSeconds * 1000)).toBeLessThan(UNDER_FREQUENCY_TRIP_HZ);
      }
      for (const e of intervals.flatMap((i) => i.startedGridEvents)) programs.add(e.program ?? e.kind);
    }

    // Assess
    expect(inside).toBeGreaterThanOrEqual(4);
    expect(inside).toBeLessThanOrEqual(20);
    expect(outside).toBeLessThanOrEqual(3);
    expect([...programs]).toEqual(expect.arrayContaining(['emergency', 'ERS-30', 'frequency-dip']));
  });
});

describe('market stream', () => {
  it('gives snapshots that satisfy the MarketSnapshot contract, prices within the ERCOT floor and cap', () => {
    const intervals = stream('winter-storm', 2);
    for (const interval of intervals) {
      const parsed = marketSnapshotSchema.safeParse(toMarketSnapshot(interval));
      if (!parsed.success) throw new Error(JSON.stringify(parsed.error.issues));
    }
    const south = intervals.map((i) => i.prices.nodes.find((n) => n.node === 'HB_SOUTH')!.rtUsdPerMwh);
    expect(Math.max(...south)).toBeGreaterThan(1000);
    expect(Math.max(...south)).toBeLessThanOrEqual(5000);
  });

  it('opens 4CP windows only on June–September weekday afternoons, with a probability', () => {
    const events = stream('summer-scarcity', 5).flatMap((i) =>
      i.startedGridEvents.filter((e) => e.kind === '4cp-peak'),
    );
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event.probability).toBeGreaterThan(0);
      expect(event.startsAt).toMatch(/T21:00:00Z$/); // 16:00 CDT
    }
    const winter = stream('baseline-week', 5).flatMap((i) => i.startedGridEvents.filter((e) => e.kind === '4cp-peak'));
    expect(winter).toEqual([]);
  });
});
