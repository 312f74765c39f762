import fc from 'fast-check';
import { fitLogistic, fitRidge, linearScore, sigmoid } from '../../../core/forecast/linear.js';
import { createRidgeForecaster } from '../../../core/forecast/ridge.js';
import { seasonalNaiveForecaster } from '../../../core/forecast/seasonal-naive.js';
import type { PriceHistory } from '../../../core/forecast/types.js';
import { ERCOT_PUBLICATION, knownAt, type MarketRecord } from '../../../core/market-data/known-at.js';

const STEP_MINUTES = 60;
const START_MS = Date.UTC(2024, 10, 1, 5);

function syntheticHistory(days: number, spikeHour = 18): PriceHistory {
  const rt: number[] = [];
  const da: number[] = [];
  const temperature: number[] = [];
  for (let i = 0; i < days * 24; i += 1) {
    const hour = i % 24;
    const base = 30 + 10 * Math.sin((2 * Math.PI * hour) / 24) + ((i * 7919) % 13) - 6;
    rt.push(hour === spikeHour && i % 48 === spikeHour ? 400 : base);
    da.push(30 + 10 * Math.sin((2 * Math.PI * hour) / 24));
    temperature.push(10 + 5 * Math.cos((2 * Math.PI * hour) / 24));
  }
  return { startMs: START_MS, stepMinutes: STEP_MINUTES, rtUsdPerMwh: rt, daUsdPerMwh: da, temperatureC: temperature };
}

describe('seasonal naive', () => {
  it('returns the exact period of a daily-and-weekly periodic series', () => {
    // Prepare
    const rt = Array.from({ length: 14 * 24 }, (_, i) => (i % 24) * 3 - 10);
    // Act
    const forecast = seasonalNaiveForecaster.forecast({ startMs: 0, stepMinutes: 60, rtUsdPerMwh: rt }, 48);
    // Assess
    expect(forecast.pointUsdPerMwh).toEqual(Array.from({ length: 48 }, (_, i) => (i % 24) * 3 - 10));
    expect(forecast.startMs).toBe(14 * 24 * 3_600_000);
  });
});

describe('linear models', () => {
  it('ridge recovers known coefficients on synthetic linear data', () => {
    // Prepare
    const rows = Array.from({ length: 400 }, (_, i) => [Math.sin(i), Math.cos(i * 1.3), (i % 17) / 17]);
    const targets = rows.map(([a, b, c]) => 2 + 3 * a! - 1.5 * b! + 0.5 * c!);
    // Act
    const model = fitRidge(rows, targets, 1e-8);
    // Assess
    rows.slice(0, 20).forEach((row, r) => {
      expect(linearScore(model, row)).toBeCloseTo(targets[r]!, 6);
    });
    expect(model.weights[1]! / model.scales[0]!).toBeCloseTo(3, 6);
    expect(model.weights[2]! / model.scales[1]!).toBeCloseTo(-1.5, 6);
  });

  it('logistic outputs probabilities in [0,1] and ranks a planted spike pattern', () => {
    // Prepare
    const rows = Array.from({ length: 300 }, (_, i) => [i % 24, (i * 13) % 7]);
    const labels = rows.map(([hour]) => (hour! >= 17 && hour! <= 19 ? 1 : 0));
    // Act
    const model = fitLogistic(rows, labels, 0.1);
    const probabilities = rows.map((row) => sigmoid(linearScore(model, row)));
    // Assess
    for (const p of probabilities) expect(p >= 0 && p <= 1).toBe(true);
    expect(sigmoid(linearScore(model, [18, 3]))).toBeGreaterThan(sigmoid(linearScore(model, [3, 3])));
  });

  it('logistic converges on a rare event that a feature nearly separates: its mean probability is the base rate', () => {
    // Prepare: 1 in 12 rows is an event, marked by a high first feature (three identical copies of it, as the ridge's
    // decaying recent prices are nearly), plus noise; an undamped Newton step oscillates and diverges here
    const rows = Array.from({ length: 1200 }, (_, i) => {
      const high = i % 12 === 0 ? 3.4 : 1.2;
      return [high, high, high, (i * 7919) % 13];
    });
    const labels = rows.map(([high]) => (high! > 2 ? 1 : 0));
    // Act
    const model = fitLogistic(rows, labels, 100);
    const probabilities = rows.map((row) => sigmoid(linearScore(model, row)));
    // Assess: the intercept's optimality condition holds, and events score above non-events
    const mean = probabilities.reduce((a, b) => a + b, 0) / rows.length;
    expect(mean).toBeCloseTo(100 / 1200, 4);
    expect(sigmoid(linearScore(model, [3.4, 3.4, 3.4, 5]))).toBeGreaterThan(0.5);
    expect(sigmoid(linearScore(model, [1.2, 1.2, 1.2, 5]))).toBeLessThan(0.05);
  });
});

describe('ridge forecaster', () => {
  const history = syntheticHistory(20);

  it('is deterministic and its spike probabilities lie in [0,1]', () => {
    // Act
    const first = createRidgeForecaster().forecast(history, 24);
    const second = createRidgeForecaster().forecast(history, 24);
    // Assess
    expect(second).toEqual(first);
    for (const p of first.spikeProbability) expect(p >= 0 && p <= 1).toBe(true);
    for (const v of first.pointUsdPerMwh) expect(Number.isFinite(v)).toBe(true);
  });

  it('does not look ahead: changing everything unpublished at the forecast time leaves the forecast unchanged', () => {
    // Prepare: the whole series as a market record; the forecast is made from its known-at view at 18 days + 7 h.
    const record: MarketRecord = {
      startMs: history.startMs,
      stepMinutes: history.stepMinutes,
      rtUsdPerMwh: history.rtUsdPerMwh,
      daUsdPerMwh: history.daUsdPerMwh!,
      temperatureC: history.temperatureC!,
      hashpriceDays: [{ dayStartMs: history.startMs - 86_400_000, value: 0.05 }],
      gridEvents: [],
      publication: ERCOT_PUBLICATION,
    };
    const asOfMs = history.startMs + (18 * 24 + 7) * 3_600_000;
    const view = knownAt(record, asOfMs);
    const forecasters = [createRidgeForecaster(), seasonalNaiveForecaster];
    const baseline = forecasters.map((f) => f.forecast(view, 12));
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -50, max: 5000, noNaN: true }), { minLength: 200, maxLength: 200 }),
        (noise) => {
          // Act: replace every unpublished real-time price, day-ahead price and temperature with noise.
          const rtEnd = view.rtUsdPerMwh.length;
          const daEnd = view.daUsdPerMwh!.length;
          const tEnd = view.temperatureC!.length;
          const tamper = (values: readonly number[], end: number) =>
            values.map((v, i) => (i < end ? v : noise[i % 200]!));
          const tampered: MarketRecord = {
            ...record,
            rtUsdPerMwh: tamper(record.rtUsdPerMwh, rtEnd),
            daUsdPerMwh: tamper(record.daUsdPerMwh!, daEnd),
            temperatureC: tamper(record.temperatureC!, tEnd),
          };
          // Assess: the same forecasts, although the tampered record differs past the cut.
          expect(tampered.rtUsdPerMwh).not.toEqual(record.rtUsdPerMwh);
          const again = forecasters.map((f) => f.forecast(knownAt(tampered, asOfMs), 12));
          expect(again).toEqual(baseline);
        },
      ),
      { numRuns: 10 },
    );
  });
});
