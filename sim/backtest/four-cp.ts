import { fourCpUsdPerMwPerPeak } from '../../core/economics/transmission.js';
import {
  ERCOT_FOUR_CP,
  type FourCpForecast,
  type FourCpRules,
  fourCpAt,
  intervalPeakProbability,
  knownHours,
  monthlyPeaks,
} from '../../core/forecast/four-cp.js';
import type { RegularSeries } from '../../core/market-data/series.js';
import { siteCapKw } from '../../core/model/site.js';
import type { BacktestData } from '../../core/strategies/context.js';
import { readSystemLoadFile } from '../data/market-files.js';
import { monthKey } from '../forecast/four-cp-scores.js';
import type { StrategyRun } from './run.js';

/**
 * 4CP in the backtest: `--four-cp forecast` hands the strategies the 4CP forecaster's probabilities as known at each
 * decision (core/forecast/four-cp.ts, from `--system-load`), and scoring charges every strategy the transmission
 * charge on its load in the months' actual coincident peaks (each interval of a month's peak hour carries step/60 of
 * the peak: the hourly file cannot tell which 15 minutes held it).
 */
export type FourCpMode = 'off' | 'forecast';

export interface FourCpLoad {
  readonly mode: FourCpMode;
  /** Hourly system load (the shipped native-load layout); with mode off it still sets the peaks scored. */
  readonly systemLoadFile?: string;
}

/** Hours of forecast each decision reads: the planner's 24 h horizon, plus the hours before the decision not known. */
const FORECAST_HOURS = 30;

/** What the setup and the truth gain from the system load. */
export interface FourCpInputs {
  readonly peakProbabilityAt?: (decisionStep: number, step: number) => number;
  readonly fourCpPeakShare?: readonly number[];
  readonly systemLoad?: RegularSeries;
}

/** The forecaster's probabilities (forecast mode) and the true peak shares, on the backtest's grid. */
export function fourCpInputs(
  load: FourCpLoad,
  grid: { readonly startMs: number; readonly stepMinutes: number; readonly steps: number },
  rules: FourCpRules = ERCOT_FOUR_CP,
): FourCpInputs {
  if (!load.systemLoadFile) return {};
  const systemLoad = readSystemLoadFile(load.systemLoadFile);
  const stepMs = grid.stepMinutes * 60_000;
  const peakHours = new Set(monthlyPeaks(systemLoad, rules).map((p) => p.hourStartMs));
  const share = Math.min(60, grid.stepMinutes) / 60;
  const fourCpPeakShare = Array.from({ length: grid.steps }, (_, t) => {
    const atMs = grid.startMs + t * stepMs;
    return peakHours.has(Math.floor(atMs / 3_600_000) * 3_600_000) ? share : 0;
  });
  if (load.mode === 'off') return { fourCpPeakShare, systemLoad };
  // One forecast per set of known hours: decisions within an hour share it.
  const byKnownHours = new Map<number, FourCpForecast | undefined>();
  const forecastAt = (asOfMs: number) => {
    const known = knownHours(systemLoad, rules, asOfMs);
    if (!byKnownHours.has(known)) byKnownHours.set(known, fourCpAt(systemLoad, rules, asOfMs, FORECAST_HOURS));
    return byKnownHours.get(known);
  };
  return {
    fourCpPeakShare,
    systemLoad,
    peakProbabilityAt: (decisionStep, step) =>
      intervalPeakProbability(
        forecastAt(grid.startMs + decisionStep * stepMs),
        grid.startMs + step * stepMs,
        grid.stepMinutes,
      ),
  };
}

/** A peak hour counts as caught when the fleet drew at most this share of its interconnect limit all through it. */
export const CAUGHT_MAX_SHARE_OF_CAP = 0.5;

export interface FourCpReport {
  readonly mode: FourCpMode;
  readonly systemLoad: string | null;
  /** Intervals of the window in June–September. */
  readonly summerIntervals: number;
  /** Why the figures below are zero or partial, when they are; null when the window's summer is fully covered. */
  readonly note: string | null;
  /** The months' coincident peak hours inside the window. */
  readonly peaks: ReadonlyArray<{ month: string; hourStart: string; systemLoadMw: number }>;
  readonly strategies: Readonly<
    Record<
      string,
      { peaksCaught: number; chargeUsd: number; chargeAtInterconnectLimitUsd: number; chargeAvoidedUsd: number }
    >
  >;
}

/**
 * Per strategy: the peaks caught, the transmission charge its load in the peaks sets (the simulator's fourCpCostUsd),
 * and the charge avoided against drawing the interconnect limit through them (what static does).
 */
export function fourCpReport(
  data: BacktestData,
  load: FourCpLoad,
  systemLoad: RegularSeries | undefined,
  runs: readonly StrategyRun[],
  rules: FourCpRules = ERCOT_FOUR_CP,
): FourCpReport {
  const stepMs = data.stepMinutes * 60_000;
  const summerIntervals = Array.from({ length: data.steps }, (_, t) =>
    Number(monthKey(data.startMs + t * stepMs, rules.timeZone).slice(5)),
  ).filter((month) => rules.months.includes(month)).length;
  const endMs = data.startMs + data.steps * stepMs;
  const share = data.truth.fourCpPeakShare ?? [];
  const peakSteps = share.flatMap((s, t) => (s > 0 ? [t] : []));
  const peakHours = [...new Set(peakSteps.map((t) => Math.floor((data.startMs + t * stepMs) / 3_600_000)))];
  const covered =
    systemLoad !== undefined &&
    systemLoad.startMs <= data.startMs &&
    systemLoad.startMs + systemLoad.values.length * 3_600_000 >= endMs;
  const window = `${new Date(data.startMs).toISOString()} → ${new Date(endMs).toISOString()}`;
  const note =
    summerIntervals === 0
      ? `the price window ${window} has no June–September interval: there is no coincident peak to catch, so peaks caught and the charge avoided are 0 by construction, not a result`
      : systemLoad === undefined
        ? 'no system load given (--system-load): the window has June–September intervals but no peaks to score'
        : !covered
          ? `the system-load file covers ${new Date(systemLoad.startMs).toISOString()} → ${new Date(systemLoad.startMs + systemLoad.values.length * 3_600_000).toISOString()}, not the whole window ${window}: peaks outside it are not scored`
          : null;
  const capKw = data.sites.map((site) => siteCapKw(site));
  const fleetCapKw = capKw.reduce((a, b) => a + b, 0);
  const strategies = Object.fromEntries(
    runs.map((run) => {
      const fleetKw = (t: number) => data.sites.reduce((a, _, s) => a + run.asicKw[s]![t]! + run.gpuKw[s]![t]!, 0);
      const caught = peakHours.filter((hour) =>
        peakSteps
          .filter((t) => Math.floor((data.startMs + t * stepMs) / 3_600_000) === hour)
          .every((t) => fleetKw(t) <= CAUGHT_MAX_SHARE_OF_CAP * fleetCapKw),
      ).length;
      const atLimit = peakSteps.reduce(
        (a, t) =>
          a +
          data.sites.reduce(
            (b, site, s) =>
              b + (share[t]! * fourCpUsdPerMwPerPeak(site, data.gridTerms.fourCpUsdPerMwPerPeak) * capKw[s]!) / 1000,
            0,
          ),
        0,
      );
      const charge = run.totals.fourCpCostUsd;
      return [
        run.name,
        {
          peaksCaught: caught,
          chargeUsd: charge,
          chargeAtInterconnectLimitUsd: atLimit,
          chargeAvoidedUsd: atLimit - charge,
        },
      ];
    }),
  );
  return {
    mode: load.mode,
    systemLoad: load.systemLoadFile ?? null,
    summerIntervals,
    note,
    peaks: peakHours.map((hour) => {
      const hourStartMs = hour * 3_600_000;
      const index = systemLoad ? Math.round((hourStartMs - systemLoad.startMs) / 3_600_000) : -1;
      return {
        month: monthKey(hourStartMs, rules.timeZone),
        hourStart: new Date(hourStartMs).toISOString(),
        systemLoadMw: systemLoad?.values[index] ?? 0,
      };
    }),
    strategies,
  };
}
