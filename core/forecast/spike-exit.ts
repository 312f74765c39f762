import type { PriceForecast, PriceForecaster, PriceHistory } from './types.js';
import { SPIKE_THRESHOLD_USD_PER_MWH } from './types.js';

export interface SpikeExitOptions {
  /**
   * A real-time price above this starts or continues a spike run. $150/MWh: the top of the reference fleet's ASIC
   * breakevens at 2024–25 hashprice ($104–152), where the on/off decision turns. Sensitive: on the dev window of
   * issue 19 both $100 and $200 lost about $18,000 against $150 (sim/backtest/README.md). @default 150
   */
  readonly spikeUsdPerMwh?: number;
  /**
   * Prior on run lengths, for a history with few runs: `priorRuns` pseudo-runs whose survival falls by
   * `priorPersistence` per interval. @default 4 runs, 0.5 per interval
   */
  readonly priorRuns?: number;
  readonly priorPersistence?: number;
}

/** Lengths of the completed runs of prices above `threshold` in `prices` (a run still open at the end is left out). */
export function completedRunLengths(prices: readonly number[], threshold: number): number[] {
  const runs: number[] = [];
  let length = 0;
  for (const price of prices) {
    if (price > threshold) length += 1;
    else if (length > 0) {
      runs.push(length);
      length = 0;
    }
  }
  return runs;
}

/** Intervals the run open at the end of `prices` has lasted (0: the last price is not above `threshold`). */
export function openRunLength(prices: readonly number[], threshold: number): number {
  let length = 0;
  while (length < prices.length && prices[prices.length - 1 - length]! > threshold) length += 1;
  return length;
}

/**
 * Probability that a run which has lasted `elapsed` intervals still lasts `ahead` intervals later: the survival of
 * run lengths, N(≥ elapsed + ahead) / N(≥ elapsed), over the completed runs plus a geometric prior.
 */
export function persistenceProbability(
  runs: readonly number[],
  elapsed: number,
  ahead: number,
  priorRuns: number,
  priorPersistence: number,
): number {
  const atLeast = (d: number) =>
    runs.reduce((n, length) => n + (length >= d ? 1 : 0), 0) + priorRuns * priorPersistence ** (d - 1);
  return atLeast(elapsed + ahead) / atLeast(elapsed);
}

/**
 * A spike-duration model around a base forecaster. Real-time spikes are short-lived as a rule (in the 2024-11..2025-03
 * ERCOT file most runs above $140/MWh last one interval) but a run that has lasted an hour tends to last longer; a
 * regression fitted mostly on ordinary hours carries a spike's level too far forward (mpc stayed off after spikes, issue
 * 19). While the last published price is in a run above `spikeUsdPerMwh`, each interval's forecast is
 * q·(last price) + (1 − q)·(the base forecast made as of the run's start, as if the spike had not happened), where q is
 * the probability that the run, at its elapsed length, lasts to that interval, estimated from the runs in the history
 * seen so far (its survival curve) and a prior. Outside a run the base forecast is returned unchanged.
 */
export function withSpikeExit(base: PriceForecaster, options: SpikeExitOptions = {}): PriceForecaster {
  const threshold = options.spikeUsdPerMwh ?? 150;
  const priorRuns = options.priorRuns ?? 4;
  const priorPersistence = options.priorPersistence ?? 0.5;
  return {
    name: `${base.name}+spike-exit`,
    forecast(history: PriceHistory, steps: number): PriceForecast {
      const rt = history.rtUsdPerMwh;
      const elapsed = openRunLength(rt, threshold);
      if (elapsed === 0 || elapsed === rt.length) return base.forecast(history, steps);
      const runStart = rt.length - elapsed;
      // The forecast as of the run's start: what the market would have done had the spike not happened.
      const before: PriceHistory = {
        ...history,
        rtUsdPerMwh: rt.slice(0, runStart),
        ...(history.temperatureC ? { temperatureC: history.temperatureC.slice(0, runStart) } : {}),
      };
      const calm = base.forecast(before, elapsed + steps);
      const runs = completedRunLengths(rt.slice(0, runStart), threshold);
      const last = rt[rt.length - 1]!;
      const point: number[] = [];
      const spike: number[] = [];
      for (let i = 0; i < steps; i += 1) {
        const q = persistenceProbability(runs, elapsed, i + 1, priorRuns, priorPersistence);
        point.push(q * last + (1 - q) * calm.pointUsdPerMwh[elapsed + i]!);
        const lastIsSpike = last > SPIKE_THRESHOLD_USD_PER_MWH ? 1 : 0;
        spike.push(q * lastIsSpike + (1 - q) * calm.spikeProbability[elapsed + i]!);
      }
      return {
        startMs: history.startMs + rt.length * history.stepMinutes * 60_000,
        stepMinutes: history.stepMinutes,
        pointUsdPerMwh: point,
        spikeProbability: spike,
      };
    },
  };
}
