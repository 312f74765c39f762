import type { PriceForecaster } from '../../../core/forecast/types.js';
import { ERCOT_PUBLICATION, type MarketRecord } from '../../../core/market-data/known-at.js';
import { scoreForecaster } from '../../../sim/forecast/scores.js';

const STEP_MINUTES = 15;
const START_MS = Date.UTC(2025, 0, 6, 6);

/** A record of 3 days at 15 minutes, $40 except a $1,000 spike in every 40th interval. */
function record(): MarketRecord {
  const rt = Array.from({ length: 3 * 96 }, (_, i) => (i % 40 === 39 ? 1000 : 40));
  return {
    startMs: START_MS,
    stepMinutes: STEP_MINUTES,
    rtUsdPerMwh: rt,
    hashpriceDays: [{ dayStartMs: START_MS - 2 * 86_400_000, value: 0.05 }],
    gridEvents: [],
    publication: ERCOT_PUBLICATION,
  };
}

/** Always $40 with spike probability `q`; records the history length it was handed. */
function constant(q: number, seen: number[]): PriceForecaster {
  return {
    name: 'constant',
    forecast(history, steps) {
      seen.push(history.rtUsdPerMwh.length);
      return {
        startMs: history.startMs + history.rtUsdPerMwh.length * STEP_MINUTES * 60_000,
        stepMinutes: STEP_MINUTES,
        pointUsdPerMwh: new Array<number>(steps).fill(40),
        spikeProbability: new Array<number>(steps).fill(q),
      };
    },
  };
}

describe('forecast scores', () => {
  it('scores MAE by lead, Brier against climatology and reliability through the known-at view', () => {
    // Prepare: decisions every 24 intervals from interval 96, 24 intervals ahead each
    const seen: number[] = [];
    const window = { firstOrigin: 96, horizonSteps: 24, everySteps: 24 };
    // Act
    const scores = scoreForecaster(record(), constant(0.5, seen), window);
    // Assess: the forecaster saw only prices published by each decision (at the start of t, the latest is t − 2's)
    expect(seen).toEqual([95, 119, 143, 167, 191, 215, 239, 263]);
    expect(scores.origins).toBe(8);
    const spikes = Array.from({ length: 8 * 24 }, (_, k) => 96 + k).filter((i) => i % 40 === 39).length;
    const rate = spikes / (8 * 24);
    expect(scores.maeUsdPerMwh).toBeCloseTo(rate * 960, 9);
    expect(scores.spikeBrier).toBeCloseTo(0.25, 12);
    expect(scores.spikeBrierClimatology).toBeCloseTo(rate * (1 - rate), 12);
    const bin = scores.spikeReliability.find((b) => b.count > 0)!;
    expect(bin).toMatchObject({ from: 0.5, to: 1, count: 8 * 24 });
    expect(bin.observedFrequency).toBeCloseTo(rate, 12);
    expect(scores.spikeByProbability).toMatchObject({ tp: spikes, fp: 8 * 24 - spikes, fn: 0 });
  });

  it('a calibrated constant scores the climatology Brier; an overconfident one scores worse', () => {
    // Prepare
    const window = { firstOrigin: 96, horizonSteps: 24, everySteps: 24 };
    const rate = scoreForecaster(record(), constant(0, []), window).spikeReliability[0]!.observedFrequency!;
    // Act
    const calibrated = scoreForecaster(record(), constant(rate, []), window);
    const overconfident = scoreForecaster(record(), constant(0.3, []), window);
    // Assess
    expect(calibrated.spikeBrier).toBeCloseTo(calibrated.spikeBrierClimatology, 12);
    expect(overconfident.spikeBrier).toBeGreaterThan(calibrated.spikeBrier);
  });
});
