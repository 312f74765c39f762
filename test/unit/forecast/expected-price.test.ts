import fc from 'fast-check';
import { spikeLevelUsdPerMwh, timeOfDaySpikeShare, withExpectedPrice } from '../../../core/forecast/expected-price.js';
import type { PriceForecaster, PriceHistory } from '../../../core/forecast/types.js';

const STEP_MINUTES = 15;
const PER_DAY = 96;

/** A base forecaster with a fixed point and spike probability, to see what the wrapper does with them. */
function fixed(point: number, q: number): PriceForecaster {
  return {
    name: 'fixed',
    forecast: (h, steps) => ({
      startMs: h.startMs + h.rtUsdPerMwh.length * h.stepMinutes * 60_000,
      stepMinutes: h.stepMinutes,
      pointUsdPerMwh: new Array<number>(steps).fill(point),
      spikeProbability: new Array<number>(steps).fill(q),
    }),
  };
}

function history(rt: number[]): PriceHistory {
  return { startMs: Date.UTC(2025, 0, 1), stepMinutes: STEP_MINUTES, rtUsdPerMwh: rt };
}

describe('planning on the expected price', () => {
  it('weighs the spike level of the recent history by the spike probability', () => {
    // Prepare: 30 days at $30, with two spikes ($600, $1,000) in the last 28 days and one ($5,000) before them.
    const rt = new Array<number>(30 * PER_DAY).fill(30);
    rt[10] = 5000;
    rt[5 * PER_DAY] = 600;
    rt[20 * PER_DAY] = 1000;
    // Act
    const level = spikeLevelUsdPerMwh(history(rt), 28);
    const forecast = withExpectedPrice(fixed(40, 0.1)).forecast(history(rt), 4);
    // Assess: E[p | spike] = 800 from the window only; 0.9 × 40 + 0.1 × 800 = 116.
    expect(level).toBe(800);
    for (const p of forecast.pointUsdPerMwh) expect(p).toBeCloseTo(116, 9);
    expect(forecast.spikeProbability).toEqual([0.1, 0.1, 0.1, 0.1]);
  });

  it('leaves the forecast as it is without a spike in the window, or where the point is above the spike level', () => {
    // Prepare
    const calm = new Array<number>(10 * PER_DAY).fill(30);
    const spiky = [...calm];
    spiky[100] = 300;
    // Act
    const noSpike = withExpectedPrice(fixed(40, 0.5)).forecast(history(calm), 3);
    const inSpike = withExpectedPrice(fixed(900, 0.5)).forecast(history(spiky), 3);
    // Assess
    expect(noSpike.pointUsdPerMwh).toEqual([40, 40, 40]);
    expect(inSpike.pointUsdPerMwh).toEqual([900, 900, 900]);
  });

  it('never plans below the base point and stays between it and the spike level', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -20, max: 5000, noNaN: true }), { minLength: 10, maxLength: 300 }),
        fc.double({ min: -20, max: 500, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (rt, point, q) => {
          const forecast = withExpectedPrice(fixed(point, q)).forecast(history(rt), 2);
          const level = spikeLevelUsdPerMwh(history(rt), 28) ?? point;
          for (const p of forecast.pointUsdPerMwh) {
            expect(p).toBeGreaterThanOrEqual(point);
            expect(p).toBeLessThanOrEqual(Math.max(point, level) + 1e-9);
          }
        },
      ),
    );
  });

  it('with the time-of-day probability, weighs the spike level by the share of spikes at that time of day', () => {
    // Prepare: 28 days at $30; a $1,000 spike at 18:00 (step 72) on 7 of them, a $500 one at 03:00 (step 12) once.
    const rt = new Array<number>(28 * PER_DAY).fill(30);
    for (let d = 0; d < 7; d += 1) rt[d * 4 * PER_DAY + 72] = 1000;
    rt[12] = 500;
    const h = history(rt);
    // Act: forecast the next day (the history ends at midnight, so step k is step k of the day).
    const share = timeOfDaySpikeShare(h, 28, 4, PER_DAY);
    const forecast = withExpectedPrice(fixed(40, 0.9), { spikeProbability: 'time-of-day' }).forecast(h, PER_DAY);
    // Assess: 7 spikes in the 9 slots × 28 days around 18:00, none around noon; the classifier's 0.9 is not used.
    expect(share[72]).toBeCloseTo(7 / (9 * 28), 12);
    expect(share[68]).toBeCloseTo(7 / (9 * 28), 12);
    expect(share[67]).toBe(0);
    expect(share[48]).toBe(0);
    const level = (7 * 1000 + 500) / 8;
    expect(forecast.pointUsdPerMwh[72]).toBeCloseTo(40 + (7 / (9 * 28)) * (level - 40), 9);
    expect(forecast.pointUsdPerMwh[48]).toBe(40);
    expect(forecast.spikeProbability).toEqual(share);
  });
});
