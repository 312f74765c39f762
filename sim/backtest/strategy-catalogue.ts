import { ercotDeploymentProbabilities } from '../../core/ancillary/deployment-history.js';
import { breakevenGroupsOf, withBreakevenClassifier } from '../../core/forecast/breakeven-classifier.js';
import { withExpectedPrice } from '../../core/forecast/expected-price.js';
import { withResidualPaths } from '../../core/forecast/residual-paths.js';
import { createRidgeForecaster } from '../../core/forecast/ridge.js';
import { seasonalNaiveForecaster } from '../../core/forecast/seasonal-naive.js';
import { withSpikeExit } from '../../core/forecast/spike-exit.js';
import type { PriceForecaster } from '../../core/forecast/types.js';
import type { Site } from '../../core/model/site.js';
import type { HighsSolver } from '../../core/optimizer/solve.js';
import type { BacktestData } from '../../core/strategies/context.js';
import { dayAheadBiasForecaster } from '../../core/strategies/day-ahead-forecaster.js';
import {
  type MpcParams,
  mpcPerfectStrategy,
  mpcStrategy,
  myopicStrategy,
  oracleStrategy,
  type StrikeParams,
  staticStrategy,
  strikeStrategy,
} from '../../core/strategies/strategies.js';
import { deployedStrategy } from './deployed-strategy.js';
import type { RunnableStrategy } from './run.js';

export const ALL_STRATEGIES = [
  'static',
  'strike',
  'myopic',
  'mpc',
  'mpc+as',
  'mpc-perfect',
  'oracle',
  'oracle-prices',
  'deployed',
] as const;
export type StrategyName = (typeof ALL_STRATEGIES)[number];

/**
 * What a backtest runs unless told: deployed is slow (the flow replayed), mpc+as needs an ancillary price file, and
 * oracle-prices is a diagnostic (perfect prices, expected demand).
 */
export const DEFAULT_STRATEGIES = ALL_STRATEGIES.filter(
  (name) => name !== 'deployed' && name !== 'mpc+as' && name !== 'oracle-prices',
);

/** The forecasters mpc can use, for the fleet it plans; figures in sim/backtest/README.md. */
export const FORECASTERS: Record<string, (sites: readonly Site[]) => PriceForecaster> = {
  ridge: () => createRidgeForecaster(),
  'ridge+exit': () => withSpikeExit(createRidgeForecaster()),
  'ridge+expected': () => withExpectedPrice(createRidgeForecaster()),
  'ridge+expected-tod': () => withExpectedPrice(createRidgeForecaster(), { spikeProbability: 'time-of-day' }),
  'ridge+breakeven': (sites) =>
    withBreakevenClassifier(createRidgeForecaster(), breakevenGroupsOf(sites), {
      lambda: Number(process.env.BE_LAMBDA ?? 100),
      horizonHours: Number(process.env.BE_HOURS ?? 6),
    }),
  // Scenario mpc: the planner plans over the point and the ridge's own errors of 1–3 days ago, first step shared.
  'ridge+paths': () => withResidualPaths(createRidgeForecaster()),
  'day-ahead': () => dayAheadBiasForecaster,
  'seasonal-naive': () => seasonalNaiveForecaster,
};

export const DEFAULT_FORECASTER = 'ridge';

/** How the strategies are parameterised: plain data, so a worker thread can rebuild them. */
export interface StrategyOptions {
  readonly mpc: MpcParams;
  readonly strike: StrikeParams;
  readonly forecaster: string;
  /** Oracle: window and committed part, in grid steps. */
  readonly oracleWindowSteps: number;
  readonly oracleCommitSteps: number;
}

/** Builds one strategy; the perfect-foresight benchmarks (mpc-perfect, oracle) are handed the truth explicitly. */
export function buildStrategy(
  name: StrategyName,
  data: BacktestData,
  highs: HighsSolver,
  o: StrategyOptions,
): RunnableStrategy {
  switch (name) {
    case 'static':
      return staticStrategy();
    case 'strike':
      return strikeStrategy(o.strike);
    case 'myopic':
      return myopicStrategy(highs, o.mpc.solve);
    case 'mpc':
      return mpcStrategy(highs, FORECASTERS[o.forecaster]!(data.sites), o.mpc);
    case 'mpc+as':
      // The same planner co-optimising capacity offers at the known DAM prices (issue 25).
      return mpcStrategy(highs, FORECASTERS[o.forecaster]!(data.sites), o.mpc, {
        deploymentProbability: ercotDeploymentProbabilities(),
      });
    case 'mpc-perfect':
      return mpcPerfectStrategy(highs, o.mpc, data.truth);
    case 'oracle':
      return oracleStrategy(highs, o.oracleWindowSteps, o.oracleCommitSteps, data.truth, o.mpc.solve);
    case 'oracle-prices':
      return oracleStrategy(highs, o.oracleWindowSteps, o.oracleCommitSteps, data.truth, o.mpc.solve, 'expected');
    case 'deployed':
      // The OptimizeFlow's solve replayed in-process; it plans with the scheduled ridge fit (or its fallbacks), so
      // --forecaster does not apply to it.
      return deployedStrategy(highs, data, o.mpc, o.mpc.solve);
  }
}
