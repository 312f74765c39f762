import {
  type BreakevenOutlook,
  fitBreakevenClassifier,
  plannedPriceUsdPerMwh,
  probabilityAbove,
  twoSidedPriceUsdPerMwh,
  withBreakevenClassifier,
} from '../../../core/forecast/breakeven-classifier.js';
import { createRidgeForecaster } from '../../../core/forecast/ridge.js';
import { ERCOT_PUBLICATION, knownAt, type MarketRecord } from '../../../core/market-data/known-at.js';

/** A deterministic uniform stream in [0, 1) (an LCG), so the synthetic series are the same on every run. */
function uniforms(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('breakeven classifier fit', () => {
  it('separates prices above and below the breakeven when one feature decides it', () => {
    // Prepare: the price is 100 + 100·x, the breakeven $100: x > 0 is exactly "above".
    const xs = Array.from({ length: 400 }, (_, i) => -1 + (2 * i + 1) / 400);
    const prices = xs.map((x) => 100 + 100 * x);
    const examples = xs.map((x, i) => ({ row: [x], target: i }));
    // Act
    const fit = fitBreakevenClassifier(examples, prices, 100, 0.01);
    // Assess
    expect(probabilityAbove(fit, [0.5])).toBeGreaterThan(0.99);
    expect(probabilityAbove(fit, [-0.5])).toBeLessThan(0.01);
    expect(probabilityAbove(fit, [0.02])).toBeGreaterThan(0.5);
    expect(probabilityAbove(fit, [-0.02])).toBeLessThan(0.5);
    // Mean excess and shortfall: the mean of 100·x over the positive (negative) half, 50.
    expect(fit.meanExcessUsdPerMwh).toBeCloseTo(50, 6);
    expect(fit.meanShortfallUsdPerMwh).toBeCloseTo(50, 6);
  });

  it('is calibrated on a synthetic series whose true probability is known', () => {
    // Prepare: P(price > $120) = sigmoid(1.5·x − 2) for x uniform in [−3, 3]; prices drawn from it.
    const draw = uniforms(19);
    const n = 20_000;
    const xs = Array.from({ length: n }, () => -3 + 6 * draw());
    const truth = (x: number) => 1 / (1 + Math.exp(-(1.5 * x - 2)));
    const prices = xs.map((x) => (draw() < truth(x) ? 120 + 300 * draw() : 120 - 80 * draw()));
    // Act
    const fit = fitBreakevenClassifier(
      xs.map((x, i) => ({ row: [x], target: i })),
      prices,
      120,
      1,
    );
    // Assess: in every decile bin of the predicted probability, the observed share is within 3 points of the mean
    // prediction (about 2,000 draws a bin: a binomial standard error of at most 1.1 points).
    const predicted = xs.map((x) => probabilityAbove(fit, [x]));
    const order = predicted.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
    for (let bin = 0; bin < 10; bin += 1) {
      const members = order.slice((bin * n) / 10, ((bin + 1) * n) / 10);
      const meanPredicted = members.reduce((a, [p]) => a + p, 0) / members.length;
      const observed = members.filter(([, i]) => prices[i]! > 120).length / members.length;
      expect(Math.abs(observed - meanPredicted)).toBeLessThan(0.03);
    }
    expect(fit.meanExcessUsdPerMwh).toBeCloseTo(150, -1);
    expect(fit.meanShortfallUsdPerMwh).toBeCloseTo(40, -1);
  });

  it('refuses a label from an interval not yet published', () => {
    // Prepare
    const prices = [10, 20, 300];
    const examples = [
      { row: [1], target: 0 },
      { row: [2], target: 3 },
    ];
    // Act / Assess
    expect(() => fitBreakevenClassifier(examples, prices, 100, 1)).toThrow(/examples: target 3 is not a published/);
    expect(() => fitBreakevenClassifier([{ row: [1], target: 1 }], [10, Number.NaN], 100, 1)).toThrow(
      /publishedUsdPerMwh\[1\]/,
    );
  });
});

describe('the price the planner is shown', () => {
  const outlook = (threshold: number, p: number): BreakevenOutlook => ({
    thresholdUsdPerMwh: threshold,
    probabilityAbove: p,
    meanExcessUsdPerMwh: 400,
    meanShortfallUsdPerMwh: 80,
  });

  it('sleeps a group exactly when P·excess exceeds (1 − P)·shortfall', () => {
    // 400·P > 80·(1 − P) ⇔ P > 1/6.
    expect(twoSidedPriceUsdPerMwh(outlook(100, 0.17))).toBeGreaterThan(100);
    expect(twoSidedPriceUsdPerMwh(outlook(100, 0.16))).toBeLessThan(100);
  });

  it('keeps a point every decision agrees with', () => {
    expect(plannedPriceUsdPerMwh(40, [outlook(90, 0.01), outlook(120, 0.01)])).toBe(40);
    expect(plannedPriceUsdPerMwh(100, [outlook(90, 0.5), outlook(120, 0.01)])).toBe(100);
  });

  it('lowers a point above a breakeven the classifier keeps awake, and raises one below a breakeven it sleeps', () => {
    // Awake at both: a $150 point comes down to the lower breakeven's two-sided price, 90 + 0.05·400 − 0.95·80 = 34.
    expect(plannedPriceUsdPerMwh(150, [outlook(90, 0.05), outlook(120, 0.05)])).toBeCloseTo(34, 9);
    // Asleep at 90 (P = 0.5: 90 + 200 − 40 = 250), awake at 120 (P = 0.1: 120 + 40 − 72 = 88): kept inside (90, 120).
    expect(plannedPriceUsdPerMwh(30, [outlook(90, 0.5), outlook(120, 0.1)])).toBeCloseTo(119.99, 9);
    expect(plannedPriceUsdPerMwh(300, [outlook(90, 0.5), outlook(120, 0.1)])).toBeCloseTo(90.01, 9);
  });

  it('leaves the point when the decisions contradict the breakevens order', () => {
    expect(plannedPriceUsdPerMwh(70, [outlook(90, 0.01), outlook(120, 0.9)])).toBe(70);
  });
});

describe('withBreakevenClassifier', () => {
  const stepMinutes = 15;
  const days = 6;
  const startMs = Date.UTC(2024, 10, 4, 6);
  /** Evening spikes every day at 18:00 Central, $30–50 otherwise. */
  function record(): MarketRecord {
    const rt = Array.from({ length: days * 96 }, (_, i) => {
      const slot = i % 96;
      return slot >= 72 && slot < 76 ? 600 : 30 + 20 * Math.sin(i / 7);
    });
    return {
      startMs,
      stepMinutes,
      rtUsdPerMwh: rt,
      hashpriceDays: Array.from({ length: days + 3 }, (_, d) => ({
        dayStartMs: Math.floor(startMs / 86_400_000) * 86_400_000 + (d - 2) * 86_400_000,
        value: 0.05,
      })),
      gridEvents: [],
      publication: ERCOT_PUBLICATION,
    };
  }
  const groups = [
    { efficiencyJPerTh: 17.5, pue: 1.05 },
    { efficiencyJPerTh: 21.5, pue: 1.05 },
  ];

  it('changes only the classified hours and keeps the base forecast after them', () => {
    // Prepare: 18:40 Central on day 5, the daily $600 spike (18:00–19:00) published through 18:15; the ridge, fitted
    // on three days of it, extrapolates far above it, the classifier sees the spike's end coming.
    const known = knownAt(record(), startMs + 5 * 86_400_000 + (18 * 60 + 40) * 60_000);
    const base = createRidgeForecaster({ trainingDays: 3 });
    const forecaster = withBreakevenClassifier(createRidgeForecaster({ trainingDays: 3 }), groups, {
      horizonHours: 2,
      ridge: { trainingDays: 3 },
    });
    // Act
    const plain = base.forecast(known, 24);
    const planned = forecaster.forecast(known, 24);
    // Assess
    expect(forecaster.name).toBe('ridge+breakeven');
    expect(planned.pointUsdPerMwh.slice(8)).toEqual(plain.pointUsdPerMwh.slice(8));
    const changed = planned.pointUsdPerMwh.slice(0, 8).filter((p, i) => p !== plain.pointUsdPerMwh[i]);
    expect(changed.length).toBeGreaterThan(0);
    // Lowered below the higher breakeven ($113 at $0.05/TH/day and PUE 1.05; the other is $92): that group wakes.
    for (const p of changed) expect(p).toBeLessThan(113.38);
    expect(planned.spikeProbability).toEqual(plain.spikeProbability);
    expect(planned.pointUsdPerMwh).toHaveLength(24);
    for (const p of planned.pointUsdPerMwh) expect(Number.isFinite(p)).toBe(true);
  });

  it('refuses a history without the published hashprice', () => {
    // Prepare
    const { rtUsdPerMwh } = record();
    const forecaster = withBreakevenClassifier(createRidgeForecaster(), groups);
    // Act / Assess
    expect(() => forecaster.forecast({ startMs, stepMinutes, rtUsdPerMwh }, 8)).toThrow(/hashpriceUsdPerThDay/);
  });
});
