import { parentPort, workerData } from 'node:worker_threads';
import { loadHighs } from '../../core/optimizer/solve.js';
import { type LoadOptions, loadBacktestData } from './data.js';
import { runStrategy, type StrategyRun } from './run.js';
import { buildStrategy, type StrategyName, type StrategyOptions } from './strategy-catalogue.js';

/** What the backtest CLI hands a worker thread: one strategy to run over data the worker loads itself. */
export interface WorkerJob {
  readonly load: LoadOptions;
  readonly strategy: StrategyName;
  readonly options: StrategyOptions;
}

export type WorkerMessage =
  | { readonly kind: 'progress'; readonly strategy: string; readonly done: number; readonly steps: number }
  | { readonly kind: 'done'; readonly run: StrategyRun };

const job = workerData as WorkerJob;
const data = loadBacktestData(job.load);
const highs = await loadHighs();
const run = await runStrategy(data, buildStrategy(job.strategy, data, highs, job.options), (done) =>
  parentPort!.postMessage({
    kind: 'progress',
    strategy: job.strategy,
    done,
    steps: data.steps,
  } satisfies WorkerMessage),
);
parentPort!.postMessage({ kind: 'done', run } satisfies WorkerMessage);
