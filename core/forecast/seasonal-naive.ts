import { type PriceForecast, type PriceForecaster, type PriceHistory, SPIKE_THRESHOLD_USD_PER_MWH } from './types.js';

const MINUTES_PER_DAY = 24 * 60;

/** Index of the start of the forecast and the number of intervals per day. */
export function forecastOrigin(history: PriceHistory): { originIndex: number; stepsPerDay: number; startMs: number } {
  const originIndex = history.rtUsdPerMwh.length;
  return {
    originIndex,
    stepsPerDay: Math.round(MINUTES_PER_DAY / history.stepMinutes),
    startMs: history.startMs + originIndex * history.stepMinutes * 60_000,
  };
}

/**
 * The real-time price at the same interval `periodSteps` earlier, stepping back whole periods until it lies in the
 * past; the last known price when the history is shorter than one period.
 */
export function samePhaseLag(
  rt: readonly number[],
  targetIndex: number,
  periodSteps: number,
  knownLength = rt.length,
): number {
  let index = targetIndex - periodSteps;
  while (index >= knownLength) index -= periodSteps;
  return index >= 0 ? rt[index]! : (rt[knownLength - 1] ?? 0);
}

export interface SeasonalNaiveOptions {
  /** Weight of the same interval one day earlier; the rest goes to one week earlier. @default 0.5 */
  readonly dayWeight?: number;
}

/**
 * Seasonal naive: a blend of the same interval yesterday and one week ago. ERCOT load (and so price) has a strong
 * daily and weekly shape; a blend damps a one-off spike in either reference day. Spike probability is the share of
 * the two reference intervals above the threshold.
 */
export function createSeasonalNaiveForecaster(options: SeasonalNaiveOptions = {}): PriceForecaster {
  const dayWeight = options.dayWeight ?? 0.5;
  return {
    name: dayWeight === 1 ? 'seasonal-naive-day' : 'seasonal-naive',
    forecast(history: PriceHistory, steps: number): PriceForecast {
      const { originIndex, stepsPerDay, startMs } = forecastOrigin(history);
      const rt = history.rtUsdPerMwh;
      const weekAvailable = originIndex >= 7 * stepsPerDay;
      const point: number[] = [];
      const spike: number[] = [];
      for (let i = 0; i < steps; i += 1) {
        const target = originIndex + i;
        const day = samePhaseLag(rt, target, stepsPerDay);
        const week = weekAvailable ? samePhaseLag(rt, target, 7 * stepsPerDay) : day;
        point.push(dayWeight * day + (1 - dayWeight) * week);
        spike.push(
          dayWeight * (day > SPIKE_THRESHOLD_USD_PER_MWH ? 1 : 0) +
            (1 - dayWeight) * (week > SPIKE_THRESHOLD_USD_PER_MWH ? 1 : 0),
        );
      }
      return { startMs, stepMinutes: history.stepMinutes, pointUsdPerMwh: point, spikeProbability: spike };
    },
  };
}

/** Same interval yesterday / last week, equal weights. */
export const seasonalNaiveForecaster: PriceForecaster = createSeasonalNaiveForecaster();

/**
 * Day-ahead anchored naive: the published day-ahead price where it exists (the market's own forecast of the hour),
 * the seasonal-naive value beyond it.
 */
export const dayAheadNaiveForecaster: PriceForecaster = {
  name: 'day-ahead-naive',
  forecast(history: PriceHistory, steps: number): PriceForecast {
    const base = seasonalNaiveForecaster.forecast(history, steps);
    const { originIndex } = forecastOrigin(history);
    const da = history.daUsdPerMwh;
    const point = base.pointUsdPerMwh.map((p, i) => da?.[originIndex + i] ?? p);
    return {
      ...base,
      pointUsdPerMwh: point,
      spikeProbability: point.map((p, i) =>
        da?.[originIndex + i] !== undefined ? (p > SPIKE_THRESHOLD_USD_PER_MWH ? 1 : 0) : base.spikeProbability[i]!,
      ),
    };
  },
};
