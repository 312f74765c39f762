import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { type FourCpForecast, fourCpRecord, fourCpRecordSchema } from '../../../core/forecast/four-cp.js';
import { gridEventEvidence } from '../../../core/grid-events/evidence.js';
import { evidenceCsv } from '../../../core/grid-events/evidence-report.js';
import { fourCpCurtailments } from '../../../core/grid-events/four-cp-curtailment.js';
import type { MeterReading } from '../../../core/grid-events/telemetry.js';
import { type Plan, planSchema } from '../../../core/model/plan.js';

const site = { ...referenceFleet.sites[0]!, transmissionUsdPerKwYear: 80 };
const MIN = 60_000;
const HOUR = 3_600_000;
/** 2022-08-02 14:00 CDT: the decision. The forecast's first unknown hour is 13:00 CDT. */
const NOW_MS = Date.parse('2022-08-02T19:00:00Z');
const forecast: FourCpForecast = {
  startMs: NOW_MS - HOUR,
  // 13:00, 14:00, 15:00, 16:00, 17:00, 18:00 CDT
  peakProbability: [0, 0.0002, 0.0266, 0.075, 0.0709, 0.0037],
  loadMw: [70_000, 72_000, 75_000, 77_000, 76_500, 74_000],
  runningPeakMw: 78_000,
};

/** A plan from NOW in 15-minute intervals at `kw[i]`. */
function planOf(kw: readonly number[], record = fourCpRecord(forecast, NOW_MS)): Plan {
  return planSchema.parse({
    version: 7,
    createdAt: new Date(NOW_MS).toISOString(),
    horizonStart: new Date(NOW_MS).toISOString(),
    intervalMinutes: 15,
    sites: [
      {
        siteId: site.id,
        intervals: kw.map((sitePowerKw, i) => ({
          startsAt: new Date(NOW_MS + i * 15 * MIN).toISOString(),
          asicGroups: [],
          gpuPools: [],
          sitePowerKw,
        })),
        ladder: [],
      },
    ],
    solver: { mode: 'lp', status: 'Optimal', objectiveUsd: 0, solveMs: 1 },
    fourCp: record,
  });
}

describe('4CP curtailments from a plan', () => {
  it('records which forecast the plan used: probability per hour, forecast time, load known-at', () => {
    const record = fourCpRecord(forecast, NOW_MS);
    expect(fourCpRecordSchema.parse(record)).toEqual({
      forecastAt: '2022-08-02T19:00:00.000Z',
      loadKnownTo: '2022-08-02T18:00:00.000Z',
      hourStartsAt: '2022-08-02T18:00:00.000Z',
      peakProbability: forecast.peakProbability,
      loadMw: forecast.loadMw,
      runningPeakMw: 78_000,
    });
  });

  it('opens a window where the plan drops power in forecast peak hours, with its probability and charge avoided', () => {
    // Prepare: full power 14:00–15:00 CDT; 4 MW less 15:00–17:00 CDT (hours at 2.66% and 7.5%), 3 MW less 17:00–17:30.
    const kw = [...Array(4).fill(10_000), ...Array(8).fill(6_000), 7_000, 7_000, ...Array(10).fill(10_000)];
    // Act
    const events = fourCpCurtailments(planOf(kw), [site]);
    // Assess
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event).toMatchObject({
      kind: 'four-cp',
      siteId: site.id,
      startAt: '2022-08-02T20:00:00.000Z',
      endAt: '2022-08-02T22:30:00.000Z',
    });
    expect(event!.committedMw).toBeCloseTo((8 * 4 + 2 * 3) / 10, 9);
    // The window's share of each hour: all of 15:00 and 16:00, half of 17:00.
    const p = 0.0266 + 0.075 + 0.0709 / 2;
    expect(event!.fourCp).toMatchObject({
      planVersion: 7,
      forecastAt: '2022-08-02T19:00:00.000Z',
      loadKnownTo: '2022-08-02T18:00:00.000Z',
      usdPerMwPerPeak: 20_000,
    });
    expect(event!.fourCp!.peakProbability).toBeCloseTo(p, 12);
    expect(event!.fourCp!.hours.map((h) => h.peakProbability)).toEqual([0.0266, 0.075, 0.0709]);
    expect(event!.fourCp!.expectedChargeAvoidedUsd).toBeCloseTo(p * 3.8 * 20_000, 1);
  });

  it('records nothing for a drop in hours below the threshold, a window more than an hour ahead, or no forecast', () => {
    const early = [10_000, 6_000, ...Array(10).fill(10_000)]; // 14:15 CDT: probability 0.0002
    expect(fourCpCurtailments(planOf(early), [site])).toEqual([]);
    const later = planOf([...Array(4).fill(10_000), ...Array(8).fill(6_000)]);
    const { fourCp: _none, ...withoutForecast } = later;
    expect(fourCpCurtailments(withoutForecast, [site])).toEqual([]);
    expect(fourCpCurtailments(later, [site], { minProbability: 0.0042, leadMs: 30 * MIN, minDropKw: 1 })).toEqual([]);
  });

  it('estimates the charge avoided in the evidence from the MW measured off the grid', () => {
    // Prepare: the event of a 2-interval window, and a meter (IT power) 4 MW / PUE lower during it.
    const kw = [...Array(4).fill(10_000), 6_000, 6_000, ...Array(6).fill(10_000)];
    const [event] = fourCpCurtailments(planOf(kw), [site]);
    const startMs = Date.parse(event!.startAt);
    const endMs = Date.parse(event!.endAt!);
    const meter: MeterReading[] = [];
    for (let t = startMs - 20 * MIN; t < endMs + 20 * MIN; t += MIN) {
      meter.push({
        at: new Date(t).toISOString(),
        sitePowerKw: (t >= startMs && t < endMs ? 6_000 : 10_000) / site.pue,
      });
    }
    // Act
    const evidence = gridEventEvidence(event!, site, { meter, devices: [] }, endMs + 20 * MIN);
    // Assess
    expect(evidence.curve.sustainedMw).toBeCloseTo(4, 6);
    expect(evidence.settlement.fourCpChargeAvoidedUsd).toBeCloseTo(event!.fourCp!.peakProbability * 4 * 20_000, 1);
    expect(evidence.settlement.notes.join(' ')).toMatch(/forecast 2022-08-02T19:00:00.000Z on system load known to/);
    expect(evidenceCsv(evidence)).toContain('summary,,fourCp.forecastAt,2022-08-02T19:00:00.000Z');
  });
});
