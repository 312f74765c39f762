import { historyAt, withResidualPaths } from '../../../core/forecast/residual-paths.js';
import type { PriceForecaster, PriceHistory } from '../../../core/forecast/types.js';
import { dayAheadKnownEnd, ERCOT_PUBLICATION } from '../../../core/market-data/known-at.js';

/** Persistence: every future interval at the last published price. */
const persistence: PriceForecaster = {
  name: 'persistence',
  forecast: (h, steps) => ({
    startMs: h.startMs + h.rtUsdPerMwh.length * h.stepMinutes * 60_000,
    stepMinutes: h.stepMinutes,
    pointUsdPerMwh: new Array<number>(steps).fill(h.rtUsdPerMwh.at(-1) ?? 0),
    spikeProbability: new Array<number>(steps).fill(0),
  }),
};

const START_MS = Date.UTC(2024, 10, 4, 6);

/** Three days of hourly prices: hour h of day d at 10·d + h, with $500 at 18:00 on day 1. */
function history(): PriceHistory {
  const rt = Array.from({ length: 3 * 24 }, (_, i) => (i === 24 + 18 ? 500 : 10 * Math.floor(i / 24) + (i % 24)));
  return {
    startMs: START_MS,
    stepMinutes: 60,
    rtUsdPerMwh: rt,
    daUsdPerMwh: Array.from({ length: 4 * 24 }, () => 40),
  };
}

describe('residual price paths', () => {
  it('adds to the point the errors the forecaster made the same time of day, days back', () => {
    // Prepare
    const h = history();
    const forecaster = withResidualPaths(persistence, { paths: 3 });
    // Act
    const paths = forecaster.paths!(h, 30);
    // Assess: the point is the last price (2·10 + 23 = 43); a day back the forecast was the day-1 23:00 price, 33.
    expect(paths).toHaveLength(3);
    expect(paths[0]).toEqual(new Array(30).fill(43));
    // Path 1: 43 + (published − 33) for the 24 intervals published since (day 2's prices 20…43), 43 after.
    expect(paths[1]!.slice(0, 24)).toEqual(Array.from({ length: 24 }, (_, k) => 43 + 20 + k - 33));
    expect(paths[1]!.slice(24)).toEqual(new Array(6).fill(43));
    // Path 2 (two days back, forecast 23 from day 0's last price): day 1's prices, its 18:00 spike included.
    expect(paths[2]![18]).toBe(43 + 500 - 23);
    expect(paths[2]![17]).toBe(43 + 10 + 17 - 23);
  });

  it('stops at the history it has: no path from before the first day', () => {
    // Act
    const paths = withResidualPaths(persistence, { paths: 5 }).paths!(history(), 4);
    // Assess: origins 1 and 2 days back exist (≥ one day of history), 3 and 4 days back do not.
    expect(paths).toHaveLength(3);
  });

  it('rebuilds a past history with only what was published at its origin', () => {
    // Act
    const then = historyAt(history(), 30, ERCOT_PUBLICATION);
    // Assess
    expect(then.rtUsdPerMwh).toHaveLength(30);
    const asOfMs = START_MS + 30 * 3_600_000 + 5 * 60_000;
    expect(then.daUsdPerMwh).toHaveLength(dayAheadKnownEnd(history(), ERCOT_PUBLICATION, asOfMs));
    expect(then.daUsdPerMwh!.length).toBeLessThan(history().daUsdPerMwh!.length);
  });
});
