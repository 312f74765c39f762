import { dayAheadKnownEnd, ERCOT_PUBLICATION, type PublicationRules } from '../market-data/known-at.js';
import type { PriceForecast, PriceForecaster, PriceHistory } from './types.js';

export interface ResidualPathOptions {
  /** Paths in all, the point included: the point, then one per day back. @default 4 */
  readonly paths?: number;
  /** When each input was published, to rebuild what a past forecast saw. @default ERCOT's */
  readonly publication?: PublicationRules;
}

/**
 * What the history held at `origin` (its first unpublished real-time interval then): real-time prices before it,
 * day-ahead prices posted by then, temperatures observed by then. The rest of `history` (e.g. the hashprice) is kept:
 * it is known now, and a past forecast is only ever rebuilt now.
 */
export function historyAt(history: PriceHistory, origin: number, rules: PublicationRules): PriceHistory {
  const asOfMs = history.startMs + origin * history.stepMinutes * 60_000 + rules.rtPublicationDelayMinutes * 60_000;
  const { daUsdPerMwh, temperatureC, ...rest } = history;
  return {
    ...rest,
    rtUsdPerMwh: history.rtUsdPerMwh.slice(0, origin),
    ...(daUsdPerMwh ? { daUsdPerMwh: daUsdPerMwh.slice(0, dayAheadKnownEnd(history, rules, asOfMs)) } : {}),
    ...(temperatureC ? { temperatureC: temperatureC.slice(0, origin) } : {}),
  };
}

/**
 * Price paths from the forecaster's own recent errors (issue 19 item 3, scenario MPC): the point, and for d = 1 … n−1
 * the point plus the error the same forecaster made d days ago at the same time of day, lead by lead (what was
 * published minus what it forecast). A day back keeps the errors' daily shape (the evening ramp's misses fall on the
 * evening ramp). Errors on intervals not yet published count as 0. Past forecasts are rebuilt from the history as it
 * stood then (`historyAt`) and cached by origin, so each costs one forecast.
 */
export function withResidualPaths(base: PriceForecaster, options: ResidualPathOptions = {}): PriceForecaster {
  const count = options.paths ?? 4;
  const rules = options.publication ?? ERCOT_PUBLICATION;
  const past = new Map<string, readonly number[]>();
  const pastForecast = (history: PriceHistory, origin: number, steps: number) => {
    const key = `${history.startMs}|${origin}|${steps}`;
    let point = past.get(key);
    if (!point) {
      point = base.forecast(historyAt(history, origin, rules), steps).pointUsdPerMwh;
      // Enough for `count` days of decisions every interval.
      if (past.size >= 4 * 96 * count) past.delete(past.keys().next().value as string);
      past.set(key, point);
    }
    return point;
  };
  return {
    name: `${base.name}+paths`,
    forecast: (history: PriceHistory, steps: number): PriceForecast => base.forecast(history, steps),
    paths(history: PriceHistory, steps: number): number[][] {
      const point = base.forecast(history, steps).pointUsdPerMwh;
      const rt = history.rtUsdPerMwh;
      const origin = rt.length;
      const perDay = Math.round(1440 / history.stepMinutes);
      const paths: number[][] = [[...point]];
      for (let d = 1; d < count; d += 1) {
        const then = origin - d * perDay;
        if (then < perDay) break;
        const forecast = pastForecast(history, then, steps);
        paths.push(point.map((p, k) => (then + k < origin ? p + rt[then + k]! - forecast[k]! : p)));
      }
      return paths;
    },
  };
}
