/**
 * The contract between price forecasters (core/forecast) and their users (the optimizer's receding horizon, the
 * backtester). A forecaster sees only history up to the forecast time: no look-ahead.
 */
export interface PriceHistory {
  /** Start of the first interval, epoch ms. */
  readonly startMs: number;
  readonly stepMinutes: number;
  /** Real-time price per interval, oldest first, ending just before the forecast start. */
  readonly rtUsdPerMwh: readonly number[];
  /** Day-ahead price per interval, same grid; extends past the end of rtUsdPerMwh where already published. */
  readonly daUsdPerMwh?: readonly number[];
  /** Temperature per interval, same grid; may extend into the future as a weather forecast. */
  readonly temperatureC?: readonly number[];
}

export interface PriceForecast {
  readonly startMs: number;
  readonly stepMinutes: number;
  /** Expected real-time price per future interval. */
  readonly pointUsdPerMwh: readonly number[];
  /** Probability that each future interval clears above the spike threshold (default $200/MWh). */
  readonly spikeProbability: readonly number[];
}

export interface PriceForecaster {
  readonly name: string;
  /** Forecast `steps` intervals starting where the history's real-time prices end. */
  forecast(history: PriceHistory, steps: number): PriceForecast;
  /**
   * Price paths over the same `steps` for a scenario planner (core/optimizer/scenarios.ts), the first being the
   * forecast's point; absent for a forecaster planned on its point alone.
   */
  paths?(history: PriceHistory, steps: number): number[][];
}

export const SPIKE_THRESHOLD_USD_PER_MWH = 200;
