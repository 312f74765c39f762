import fc from 'fast-check';
import { fitLogistic, fitRidge, linearScore, sigmoid } from '../../../core/forecast/linear.js';
import { createRidgeForecaster } from '../../../core/forecast/ridge.js';
import { seasonalNaiveForecaster } from '../../../core/forecast/seasonal-naive.js';
import type { PriceHistory } from '../../../core/forecast/types.js';

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

  it('does not look ahead: changing data after the forecast time leaves the forecast unchanged', () => {
    const forecaster = createRidgeForecaster();
    const cut = 18 * 24 + 7;
    const past: PriceHistory = { ...history, rtUsdPerMwh: history.rtUsdPerMwh.slice(0, cut) };
    const baseline = forecaster.forecast(past, 12);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -50, max: 5000, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (future) => {
          // Real-time values past the cut are not part of the history; tamper with them in a copy of the full series.
          const tampered = [...history.rtUsdPerMwh.slice(0, cut), ...future];
          const again = forecaster.forecast({ ...history, rtUsdPerMwh: tampered.slice(0, cut) }, 12);
          const naive = seasonalNaiveForecaster.forecast({ ...history, rtUsdPerMwh: tampered.slice(0, cut) }, 12);
          expect(again).toEqual(baseline);
          expect(naive).toEqual(seasonalNaiveForecaster.forecast(past, 12));
        },
      ),
      { numRuns: 10 },
    );
  });
});
