import { type PriceForecast, type PriceForecaster, type PriceHistory, SPIKE_THRESHOLD_USD_PER_MWH } from './types.js';

export interface ExpectedPriceOptions {
  /** Days of published history the spike level E[p | spike] is taken from (the ridge's training window). @default 28 */
  readonly spikeLevelDays?: number;
  /**
   * Where the spike probability q comes from: the base forecaster's classifier, or the share of spikes at the same
   * time of day (± `timeOfDayWindowSteps`) over the last `spikeLevelDays` (calibrated by construction, no skill beyond
   * the daily pattern). Measured in issue 19: on the undamped logistic fit the classifier's q planned November 2024's
   * post-spike days at $200–400 where $10–20 settled (−$77,637); after the fix +$6,075 in November, all from one
   * onset interval, and −$303..−$930 in each other month (sim/backtest/README.md). @default 'forecaster'
   */
  readonly spikeProbability?: 'forecaster' | 'time-of-day';
  /** Half-width of the time-of-day window, grid steps. @default 4 (an hour either side on a 15-minute grid) */
  readonly timeOfDayWindowSteps?: number;
}

/**
 * Mean of the published real-time prices above the spike threshold over the last `days` of `history`: E[p | spike].
 * Undefined when no spike was published in that window (then there is nothing to weigh the probability by).
 */
export function spikeLevelUsdPerMwh(history: PriceHistory, days: number): number | undefined {
  const rt = history.rtUsdPerMwh;
  const from = Math.max(0, rt.length - Math.round((days * 1440) / history.stepMinutes));
  let sum = 0;
  let count = 0;
  for (let i = from; i < rt.length; i += 1) {
    if (rt[i]! > SPIKE_THRESHOLD_USD_PER_MWH) {
      sum += rt[i]!;
      count += 1;
    }
  }
  return count > 0 ? sum / count : undefined;
}

/**
 * Share of the last `days` days' intervals within ± `halfWidth` steps of the time of day of each of the `steps`
 * intervals from the end of `history` whose price was above the spike threshold: a climatological P(spike).
 */
export function timeOfDaySpikeShare(history: PriceHistory, days: number, halfWidth: number, steps: number): number[] {
  const rt = history.rtUsdPerMwh;
  const perDay = Math.round(1440 / history.stepMinutes);
  const spikes = new Array<number>(perDay).fill(0);
  const seen = new Array<number>(perDay).fill(0);
  for (let i = Math.max(0, rt.length - days * perDay); i < rt.length; i += 1) {
    const slot = i % perDay;
    seen[slot]! += 1;
    if (rt[i]! > SPIKE_THRESHOLD_USD_PER_MWH) spikes[slot]! += 1;
  }
  return Array.from({ length: steps }, (_, k) => {
    const slot = (rt.length + k) % perDay;
    let hit = 0;
    let n = 0;
    for (let d = -halfWidth; d <= halfWidth; d += 1) {
      const s = (((slot + d) % perDay) + perDay) % perDay;
      hit += spikes[s]!;
      n += seen[s]!;
    }
    return n > 0 ? hit / n : 0;
  });
}

/**
 * Plans on the expected price rather than the base forecaster's point (issue 19 item 3). The ridge's point is
 * sinh(E[asinh p]), near the median of a heavy-tailed price and below its mean; a risk-neutral plan wants the mean.
 * Each interval's price becomes (1 − q)·point + q·E[p | spike], q being the base forecaster's spike probability and
 * E[p | spike] the mean published price above the threshold over the last `spikeLevelDays`. Where the point is already
 * above that level (inside a spike) it is kept. Uses the history it is handed and nothing else.
 */
export function withExpectedPrice(base: PriceForecaster, options: ExpectedPriceOptions = {}): PriceForecaster {
  const days = options.spikeLevelDays ?? 28;
  const source = options.spikeProbability ?? 'forecaster';
  const halfWidth = options.timeOfDayWindowSteps ?? 4;
  return {
    name: `${base.name}+expected${source === 'time-of-day' ? '-tod' : ''}`,
    forecast(history: PriceHistory, steps: number): PriceForecast {
      const forecast = base.forecast(history, steps);
      const level = spikeLevelUsdPerMwh(history, days);
      if (level === undefined) return forecast;
      const share = source === 'time-of-day' ? timeOfDaySpikeShare(history, days, halfWidth, steps) : undefined;
      const point = forecast.pointUsdPerMwh.map((p, i) => {
        const q = share ? share[i]! : forecast.spikeProbability[i]!;
        return Math.max(p, (1 - q) * p + q * level);
      });
      // The probability planned on is the one the forecast reports (and forecast:evaluate scores).
      return { ...forecast, pointUsdPerMwh: point, spikeProbability: share ?? forecast.spikeProbability };
    },
  };
}
