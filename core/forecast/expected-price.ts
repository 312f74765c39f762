import { type PriceForecast, type PriceForecaster, type PriceHistory, SPIKE_THRESHOLD_USD_PER_MWH } from './types.js';

export interface ExpectedPriceOptions {
  /** Days of published history the spike level E[p | spike] is taken from (the ridge's training window). @default 28 */
  readonly spikeLevelDays?: number;
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
 * Plans on the expected price rather than the base forecaster's point (issue 19 item 3). The ridge's point is
 * sinh(E[asinh p]), near the median of a heavy-tailed price and below its mean; a risk-neutral plan wants the mean.
 * Each interval's price becomes (1 − q)·point + q·E[p | spike], q being the base forecaster's spike probability and
 * E[p | spike] the mean published price above the threshold over the last `spikeLevelDays`. Where the point is already
 * above that level (inside a spike) it is kept. Uses the history it is handed and nothing else.
 */
export function withExpectedPrice(base: PriceForecaster, options: ExpectedPriceOptions = {}): PriceForecaster {
  const days = options.spikeLevelDays ?? 28;
  return {
    name: `${base.name}+expected`,
    forecast(history: PriceHistory, steps: number): PriceForecast {
      const forecast = base.forecast(history, steps);
      const level = spikeLevelUsdPerMwh(history, days);
      if (level === undefined) return forecast;
      const point = forecast.pointUsdPerMwh.map((p, i) => {
        const q = forecast.spikeProbability[i]!;
        return Math.max(p, (1 - q) * p + q * level);
      });
      return { ...forecast, pointUsdPerMwh: point };
    },
  };
}
