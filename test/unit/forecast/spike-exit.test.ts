import {
  completedRunLengths,
  openRunLength,
  persistenceProbability,
  withSpikeExit,
} from '../../../core/forecast/spike-exit.js';
import type { PriceForecaster, PriceHistory } from '../../../core/forecast/types.js';

/** A base forecaster that repeats its history's last price and records the history length it was handed. */
function persistence(seen: number[]): PriceForecaster {
  return {
    name: 'persistence',
    forecast(history, steps) {
      seen.push(history.rtUsdPerMwh.length);
      const last = history.rtUsdPerMwh[history.rtUsdPerMwh.length - 1] ?? 0;
      return {
        startMs: history.startMs + history.rtUsdPerMwh.length * history.stepMinutes * 60_000,
        stepMinutes: history.stepMinutes,
        pointUsdPerMwh: new Array<number>(steps).fill(last),
        spikeProbability: new Array<number>(steps).fill(0),
      };
    },
  };
}

const history = (rt: number[]): PriceHistory => ({ startMs: 0, stepMinutes: 15, rtUsdPerMwh: rt });

describe('spike-duration model', () => {
  it('counts completed runs above the threshold and the run still open', () => {
    // Prepare
    const prices = [10, 200, 10, 200, 300, 10, 10, 200, 250, 260];
    // Act
    const runs = completedRunLengths(prices, 150);
    const open = openRunLength(prices, 150);
    // Assess
    expect(runs).toEqual([1, 2]);
    expect(open).toBe(3);
  });

  it('persistence follows the survival of run lengths: young runs die, long runs last', () => {
    // Prepare: nine runs of one interval, one of ten
    const runs = [...new Array<number>(9).fill(1), 10];
    // Act
    const young = persistenceProbability(runs, 1, 1, 0, 0.5);
    const old = persistenceProbability(runs, 5, 1, 0, 0.5);
    // Assess
    expect(young).toBeCloseTo(0.1, 10);
    expect(old).toBe(1);
  });

  it('outside a spike returns the base forecast unchanged', () => {
    // Prepare
    const seen: number[] = [];
    const rt = [30, 40, 50];
    // Act
    const forecast = withSpikeExit(persistence(seen), { spikeUsdPerMwh: 150 }).forecast(history(rt), 4);
    // Assess
    expect(forecast.pointUsdPerMwh).toEqual([50, 50, 50, 50]);
    expect(seen).toEqual([3]);
  });

  it('in a spike blends its level with the forecast made as of its start, by the probability it lasts', () => {
    // Prepare: history of one-interval spikes, then a spike of $1,000 that has lasted one interval
    const seen: number[] = [];
    const rt = [40, 500, 40, 40, 500, 40, 40, 500, 40, 40, 1000];
    const options = { spikeUsdPerMwh: 150, priorRuns: 1, priorPersistence: 0.5 };
    // Act
    const forecast = withSpikeExit(persistence(seen), options).forecast(history(rt), 3);
    // Assess: the base was handed the history up to the run's start; three one-interval runs and the prior give
    // q(1 → 2) = 0.5 / 4 = 0.125, then 0.25 / 4 and 0.125 / 4
    expect(seen).toEqual([10]);
    const q = [0.125, 0.0625, 0.03125];
    forecast.pointUsdPerMwh.forEach((p, i) => {
      expect(p).toBeCloseTo(q[i]! * 1000 + (1 - q[i]!) * 40, 9);
    });
    expect(forecast.startMs).toBe(rt.length * 15 * 60_000);
  });
});
