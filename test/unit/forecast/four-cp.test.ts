import {
  ERCOT_FOUR_CP,
  forecastFourCp,
  fourCpAt,
  intervalPeakProbability,
  knownSystemLoad,
  monthlyPeaks,
} from '../../../core/forecast/four-cp.js';
import { CsvFormatError } from '../../../core/market-data/csv.js';
import type { RegularSeries } from '../../../core/market-data/series.js';
import { parseSystemLoadCsv } from '../../../core/market-data/system-load.js';
import { normal, seededRng } from '../../../core/support/random.js';
import { scoreSummers, walkForward } from '../../../sim/forecast/four-cp-scores.js';

const HOUR_MS = 3_600_000;
// 2022-05-01 05:00 UTC is midnight CDT.
const START_MS = Date.UTC(2022, 4, 1, 5);

/**
 * A summer-like system load: an afternoon peak (17:00 local), weekends 8% lower, a level that wanders from day to day
 * (the weather) and hourly noise; May to the end of July (2,208 hours).
 */
function syntheticLoad(seed: number): RegularSeries {
  const rng = seededRng(seed);
  const values: number[] = [];
  let level = 60_000;
  const hours = (31 + 30 + 31) * 24;
  for (let i = 0; i < hours; i += 1) {
    const localHour = (i % 24) as number;
    const day = Math.floor(i / 24);
    if (localHour === 0) level = Math.max(45_000, level + 1500 * normal(rng) + 40);
    // 2022-05-01 was a Sunday.
    const weekday = day % 7;
    const weekend = weekday === 0 || weekday === 6;
    const shape = 0.78 + 0.22 * Math.exp(-(((localHour - 17) / 4) ** 2));
    values.push(level * shape * (weekend ? 0.92 : 1) + 300 * normal(rng));
  }
  return { startMs: START_MS, stepMinutes: 60, values };
}

describe('4CP forecaster', () => {
  it('reads only the hours known at the decision: changing a later value changes no earlier decision', () => {
    // Prepare
    const record = syntheticLoad(1);
    const asOfMs = Date.UTC(2022, 6, 20, 21); // 16:00 CDT
    const before = fourCpAt(record, ERCOT_FOUR_CP, asOfMs, 24)!;
    // Act: every hour not yet published at the decision (including the one that ended 30 min before it) changes.
    const firstUnknown = Math.floor((asOfMs - 60 * 60_000 - START_MS) / HOUR_MS);
    const altered = {
      ...record,
      values: record.values.map((v, i) => (i >= firstUnknown ? v * (i % 2 === 0 ? 1.5 : 0.5) : v)),
    };
    const after = fourCpAt(altered, ERCOT_FOUR_CP, asOfMs, 24)!;
    // Assess
    expect(after).toEqual(before);
    expect(knownSystemLoad(record, ERCOT_FOUR_CP, asOfMs).values).toHaveLength(firstUnknown);
    expect(before.startMs).toBe(START_MS + firstUnknown * HOUR_MS);
    // The same change before the decision's known end does change it (the test can fail).
    const earlier = { ...record, values: record.values.map((v, i) => (i === firstUnknown - 1 ? v * 1.3 : v)) };
    expect(fourCpAt(earlier, ERCOT_FOUR_CP, asOfMs, 24)).not.toEqual(before);
  });

  it('decides the same whatever the record holds after each decision (a record ending there)', () => {
    const record = syntheticLoad(2);
    for (let asOfMs = Date.UTC(2022, 5, 1, 5); asOfMs < Date.UTC(2022, 6, 31); asOfMs += 13 * HOUR_MS) {
      const ending = { ...record, values: record.values.slice(0, (asOfMs - START_MS) / HOUR_MS) };
      expect(fourCpAt(ending, ERCOT_FOUR_CP, asOfMs, 24)).toEqual(fourCpAt(record, ERCOT_FOUR_CP, asOfMs, 24));
    }
  });

  it('is calibrated: about one expected peak per month, zero outside June–September', () => {
    // Prepare: two synthetic early summers.
    const sums: number[] = [];
    for (const seed of [3, 4]) {
      const record = syntheticLoad(seed);
      // Act
      const calls = walkForward(record, ERCOT_FOUR_CP);
      const [score] = scoreSummers(calls, monthlyPeaks(record, ERCOT_FOUR_CP), 0.05, ERCOT_FOUR_CP.timeZone);
      // Assess: May is not scored; June and July are.
      expect(Object.keys(score!.expectedByMonth)).toEqual(['2022-06', '2022-07']);
      for (const c of calls) expect(c.probability).toBeGreaterThanOrEqual(0);
      sums.push(...Object.values(score!.expectedByMonth));
    }
    const mean = sums.reduce((a, b) => a + b, 0) / sums.length;
    expect(mean).toBeGreaterThan(0.6);
    expect(mean).toBeLessThan(1.6);
    for (const s of sums) expect(s).toBeLessThan(3);
  });

  it('gives the afternoon the probability and the night none, with a running peak out of reach nothing', () => {
    const record = syntheticLoad(6);
    const asOfMs = Date.UTC(2022, 6, 29, 12); // 07:00 CDT, late in July
    const forecast = fourCpAt(record, ERCOT_FOUR_CP, asOfMs, 24)!;
    const hourOf = (lead: number) => (new Date(forecast.startMs + lead * HOUR_MS).getUTCHours() + 19) % 24;
    const night = forecast.peakProbability.filter((_, lead) => hourOf(lead) >= 0 && hourOf(lead) < 6);
    for (const p of night) expect(p).toBeLessThan(1e-6);
    // A running peak far above anything the coming day can reach leaves nothing to catch.
    const known = knownSystemLoad(record, ERCOT_FOUR_CP, asOfMs);
    const spiked = { ...known, values: known.values.map((v, i) => (i === known.values.length - 30 ? 150_000 : v)) };
    const capped = forecastFourCp(spiked, ERCOT_FOUR_CP, 24)!;
    expect(Math.max(...capped.peakProbability)).toBeLessThan(1e-6);
  });

  it('shares an hour’s probability evenly over its intervals', () => {
    const forecast = { startMs: START_MS, loadMw: [1, 1], peakProbability: [0.4, 0.2], runningPeakMw: 0 };
    expect(intervalPeakProbability(forecast, START_MS + 15 * 60_000, 15)).toBeCloseTo(0.1, 12);
    expect(intervalPeakProbability(forecast, START_MS + HOUR_MS, 15)).toBeCloseTo(0.05, 12);
    expect(intervalPeakProbability(forecast, START_MS - 1, 15)).toBe(0);
    expect(intervalPeakProbability(forecast, START_MS + 2 * HOUR_MS, 15)).toBe(0);
    expect(intervalPeakProbability(undefined, START_MS, 15)).toBe(0);
  });
});

describe('system-load CSV', () => {
  const header = 'hour_start_local,dst_repeat,ercot_mw';

  it('puts the repeated fall-back hour one hour after the first', () => {
    const text = `${header}\n2022-11-06 00:00:00,0,40000\n2022-11-06 01:00:00,0,39000\n2022-11-06 01:00:00,1,38000\n2022-11-06 02:00:00,0,37000\n`;
    const series = parseSystemLoadCsv(text, 'load.csv');
    expect(series.values).toEqual([40000, 39000, 38000, 37000]);
    expect(new Date(series.startMs).toISOString()).toBe('2022-11-06T05:00:00.000Z');
  });

  it.each([
    ['a load that is not a number', '2022-07-01 01:00:00,0,abc', 3, 'ercot_mw'],
    ['a negative load', '2022-07-01 01:00:00,0,-5', 3, 'ercot_mw'],
    ['a bad time', '2022-07-01 25:00:00,0,40000', 3, 'hour_start_local'],
    ['a gap', '2022-07-01 03:00:00,0,40000', 3, 'hour_start_local'],
    ['a bad DST flag', '2022-07-01 01:00:00,2,40000', 3, 'dst_repeat'],
  ])('names the line and column of %s', (_, row, line, column) => {
    const text = `${header}\n2022-07-01 00:00:00,0,41000\n${row}\n`;
    let caught: unknown;
    try {
      parseSystemLoadCsv(text, 'load.csv');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CsvFormatError);
    expect(caught).toMatchObject({ line, column });
  });

  it('finds each peak month’s highest hour', () => {
    const record = syntheticLoad(7);
    const peaks = monthlyPeaks(record, ERCOT_FOUR_CP);
    expect(peaks.map((p) => [p.month, p.complete])).toEqual([
      ['2022-06', true],
      ['2022-07', false],
    ]);
    const june = peaks[0]!;
    const index = (june.hourStartMs - START_MS) / HOUR_MS;
    expect(record.values[index]).toBe(june.loadMw);
  });
});
