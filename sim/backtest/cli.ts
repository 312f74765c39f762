import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { DEFAULT_DEMAND_SCENARIO, DEMAND_SCENARIOS, type DemandScenarioParams } from '../../core/demand/scenarios.js';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { CsvFormatError } from '../../core/market-data/csv.js';
import { ERCOT_SHARED_PRICE_COLUMNS, type PriceCsvOptions } from '../../core/market-data/series.js';
import { fleetSchema } from '../../core/model/site.js';
import { DEFAULT_STRIKE } from '../../core/strategies/strategies.js';
import { type LoadOptions, loadBacktestData, StepTooFineError } from './data.js';
import { renderReport } from './report.js';
import { monthlyCapture, type StrategyRun, type StrategySummary, summarize } from './run.js';
import {
  ALL_STRATEGIES,
  DEFAULT_FORECASTER,
  FORECASTERS,
  type StrategyName,
  type StrategyOptions,
} from './strategy-catalogue.js';
import { costliestIntervals, traceCsv } from './trace.js';
import type { WorkerJob, WorkerMessage } from './worker.js';

const FOUR_CP_MODES = ['off', 'forecast'] as const;

const USAGE = `Usage: npm run backtest -- --prices FILE --hashprice FILE [options]
  --fleet FILE              fleet JSON (core/model/site.ts fleetSchema); default: the reference fleet
  --demand FILE             demand scenario JSON {guaranteedShare, flexShare, diurnalAmplitude, noiseSigma, seed}
  --demand-scenario NAME    ${Object.keys(DEMAND_SCENARIOS).join('|')} (default ${DEFAULT_DEMAND_SCENARIO})
  --from DATE --to DATE     ISO date or instant (UTC), --to exclusive
  --strategies a,b          subset of ${ALL_STRATEGIES.join(',')}
  --out DIR                 default backtest-out
  --step-minutes N          dispatch interval (default 15, the shared file's resolution; finer than the file is refused)
  --horizon-hours N         mpc horizon (default 24)   --fine-hours N  single steps before hourly blocks (default 6)
  --resolve-every N         re-solve every N intervals, committing N (default 1)
  --strike-curtail-after N --strike-resume-after N   strike parameters (default ${DEFAULT_STRIKE.curtailAfter}, ${DEFAULT_STRIKE.resumeAfter})
  --forecaster NAME         price forecaster for mpc: ${Object.keys(FORECASTERS).join(', ')} (default ${DEFAULT_FORECASTER})
  --four-cp off|forecast    4CP transmission cost (default off; forecast needs the 4CP forecaster, not built yet)
  --workers N               strategies run in parallel on N worker threads (default: the machine's cores)
  --time-column C --price-column C --day-ahead-column C --temperature-column C --time-zone TZ   generic price CSVs`;

class UsageError extends Error {}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

function dateMs(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
  if (Number.isNaN(ms)) throw new UsageError(`--${name} must be a date like 2024-11-01, got "${raw}"`);
  return ms;
}

function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      prices: { type: 'string' },
      hashprice: { type: 'string' },
      fleet: { type: 'string' },
      demand: { type: 'string' },
      'demand-scenario': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      strategies: { type: 'string' },
      out: { type: 'string' },
      'step-minutes': { type: 'string' },
      'horizon-hours': { type: 'string' },
      'fine-hours': { type: 'string' },
      'resolve-every': { type: 'string' },
      'strike-curtail-after': { type: 'string' },
      'strike-resume-after': { type: 'string' },
      'time-column': { type: 'string' },
      'price-column': { type: 'string' },
      'day-ahead-column': { type: 'string' },
      'temperature-column': { type: 'string' },
      'time-zone': { type: 'string' },
      forecaster: { type: 'string' },
      'four-cp': { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return Promise.resolve();
  }
  if (!values.prices || !values.hashprice) throw new UsageError('--prices FILE and --hashprice FILE are required');
  const names = (values.strategies ?? ALL_STRATEGIES.join(',')).split(',').map((s) => s.trim()) as StrategyName[];
  for (const n of names) {
    if (!(ALL_STRATEGIES as readonly string[]).includes(n))
      throw new UsageError(`--strategies: unknown strategy "${n}" (known: ${ALL_STRATEGIES.join(', ')})`);
  }
  const fourCp = values['four-cp'] ?? 'off';
  if (!(FOUR_CP_MODES as readonly string[]).includes(fourCp))
    throw new UsageError(`--four-cp must be one of ${FOUR_CP_MODES.join(', ')}, got "${fourCp}"`);
  if (fourCp === 'forecast')
    throw new UsageError('--four-cp forecast: no 4CP peak forecaster is built yet (the 4CP issue); use --four-cp off');
  const forecasterName = values.forecaster ?? DEFAULT_FORECASTER;
  if (!FORECASTERS[forecasterName])
    throw new UsageError(`--forecaster: unknown "${forecasterName}" (known: ${Object.keys(FORECASTERS).join(', ')})`);
  const workers = positiveInt('workers', values.workers, availableParallelism());
  const generic = values['price-column'] !== undefined || values['time-column'] !== undefined;
  const priceColumns: PriceCsvOptions = generic
    ? {
        timeColumn: values['time-column'] ?? 'time',
        priceColumn: values['price-column'] ?? 'price',
        timeZone: values['time-zone'] ?? 'UTC',
        ...(values['day-ahead-column'] ? { dayAheadColumn: values['day-ahead-column'] } : {}),
        ...(values['temperature-column'] ? { temperatureColumn: values['temperature-column'] } : {}),
      }
    : { ...ERCOT_SHARED_PRICE_COLUMNS, ...(values['time-zone'] ? { timeZone: values['time-zone'] } : {}) };
  const fleet = values.fleet ? fleetSchema.parse(JSON.parse(readFileSync(values.fleet, 'utf8'))) : referenceFleet;
  let demand: DemandScenarioParams;
  if (values.demand) {
    demand = { name: path.basename(values.demand), ...JSON.parse(readFileSync(values.demand, 'utf8')) };
  } else {
    const scenario = values['demand-scenario'] ?? DEFAULT_DEMAND_SCENARIO;
    const found = DEMAND_SCENARIOS[scenario];
    if (!found)
      throw new UsageError(
        `--demand-scenario: unknown "${scenario}" (known: ${Object.keys(DEMAND_SCENARIOS).join(', ')})`,
      );
    demand = found;
  }
  const stepMinutes = positiveInt('step-minutes', values['step-minutes'], 15);
  const perHour = 60 / stepMinutes;
  const horizonSteps = positiveInt('horizon-hours', values['horizon-hours'], 24) * perHour;
  const fineSteps = positiveInt('fine-hours', values['fine-hours'], 6) * perHour;
  const commitSteps = positiveInt('resolve-every', values['resolve-every'], 1);
  const strike = {
    curtailAfter: positiveInt('strike-curtail-after', values['strike-curtail-after'], DEFAULT_STRIKE.curtailAfter),
    resumeAfter: positiveInt('strike-resume-after', values['strike-resume-after'], DEFAULT_STRIKE.resumeAfter),
  };
  const out = values.out ?? 'backtest-out';
  const load: LoadOptions = {
    pricesFile: values.prices,
    hashpriceFile: values.hashprice,
    priceColumns,
    stepMinutes,
    ...(values.from ? { fromMs: dateMs('from', values.from)! } : {}),
    ...(values.to ? { toMs: dateMs('to', values.to)! } : {}),
    fleet,
    demand,
  };
  const data = loadBacktestData(load);
  // LP relaxation throughout: with thousands of units per group and hundreds of GPUs per pool, rounding the relaxed
  // counts costs less than a unit's worth, and MILP would multiply the run time.
  const options: StrategyOptions = {
    mpc: { horizonSteps, fineSteps, coarseBlock: perHour, commitSteps, solve: { mode: 'lp' } },
    strike,
    forecaster: forecasterName,
    oracleWindowSteps: 48 * perHour,
    oracleCommitSteps: 24 * perHour,
  };
  const from = new Date(data.startMs).toISOString();
  const to = new Date(data.startMs + data.steps * stepMinutes * 60_000).toISOString();
  const warmupDays = (data.marketOffset * stepMinutes) / 1440;
  console.error(
    `backtest ${from} → ${to}: ${data.steps} intervals of ${stepMinutes} min (${warmupDays.toFixed(1)} days of warm-up before), ${fleet.sites.length} sites, demand ${demand.name}, ${names.length} strategies on ${Math.min(workers, names.length)} worker threads`,
  );
  const began = Date.now();
  return runInWorkers(names, load, options, workers, began).then((runs) => {
    const wallSeconds = (Date.now() - began) / 1000;
    const summaries = summarize(data, runs);
    const monthly = monthlyCapture(data, runs, data.market.publication.timeZone);
    const mpcRun = runs.find((r) => r.name === 'mpc');
    const perfectRun = runs.find((r) => r.name === 'mpc-perfect');
    const costliest = mpcRun && perfectRun ? costliestIntervals(data, mpcRun, perfectRun) : [];
    mkdirSync(out, { recursive: true });
    const summary = {
      prices: values.prices,
      hashprice: values.hashprice,
      from,
      to,
      stepMinutes,
      horizonHours: horizonSteps / perHour,
      resolveEveryIntervals: commitSteps,
      forecaster: forecasterName,
      fourCp,
      demandScenario: demand.name,
      marketNote: MARKET_NOTE,
      publication: data.market.publication,
      sites: fleet.sites.map((s) => s.id),
      wallSeconds,
      strategies: summaries,
      monthly,
      mpcCostliestIntervalsVsMpcPerfect: costliest,
    };
    writeFileSync(path.join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    writeFileSync(
      path.join(out, 'report.html'),
      renderReport(data, runs, summaries, { monthly, costliest, note: MARKET_NOTE }),
    );
    for (const run of runs) writeFileSync(path.join(out, `trace-${run.name}.csv`), traceCsv(data, run));
    printTable(summaries);
    console.error(
      `wrote ${path.join(out, 'summary.json')}, report.html and trace-*.csv; wall time ${wallSeconds.toFixed(0)} s`,
    );
  });
}

/** The files are ERCOT's market before real-time co-optimisation went live: figures say so wherever they are shown. */
const MARKET_NOTE =
  'ERCOT prices from before real-time co-optimization plus batteries (RTC+B, live since 2025-12-05): ancillary services were procured day-ahead and scarcity priced through adders, so spike shapes after RTC+B differ.';

/**
 * A worker thread starts as plain JavaScript: it registers tsx's loader, then imports the TypeScript worker (Node 20
 * does not pass the parent's loader to workers; Node 24 does, and registering again is harmless).
 */
const WORKER_BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./worker.ts', import.meta.url).href)}); });`;

/** Runs each strategy on a worker thread, at most `workers` at once, longest first; progress goes to stderr. */
function runInWorkers(
  names: readonly StrategyName[],
  load: LoadOptions,
  options: StrategyOptions,
  workers: number,
  began: number,
): Promise<StrategyRun[]> {
  // mpc and mpc-perfect dominate the run time: start them first so the short ones fill the other core.
  const cost: Record<StrategyName, number> = { mpc: 0, 'mpc-perfect': 1, oracle: 2, myopic: 3, strike: 4, static: 5 };
  const queue = [...names].sort((a, b) => cost[a] - cost[b]);
  const results = new Map<string, StrategyRun>();
  const runOne = (strategy: StrategyName) =>
    new Promise<void>((resolve, reject) => {
      const job: WorkerJob = { load, strategy, options };
      const worker = new Worker(WORKER_BOOT, { eval: true, workerData: job });
      worker.on('message', (message: WorkerMessage) => {
        if (message.kind === 'progress') {
          console.error(
            `  ${message.strategy}: ${((message.done / message.steps) * 100).toFixed(0)}% (${((Date.now() - began) / 1000).toFixed(0)} s)`,
          );
        } else {
          results.set(strategy, message.run);
          console.error(`  ${strategy}: done (${((Date.now() - began) / 1000).toFixed(0)} s)`);
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) =>
        code === 0 && results.has(strategy) ? resolve() : reject(new Error(`${strategy}: worker exited with ${code}`)),
      );
    });
  const lane = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await runOne(next);
  };
  return Promise.all(Array.from({ length: Math.min(workers, names.length) }, lane)).then(() =>
    names.map((n) => results.get(n)!),
  );
}

function printTable(rows: readonly StrategySummary[]): void {
  const fmt = (n: number | null, digits = 0) =>
    n === null ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits });
  console.table(
    rows.map((r) => ({
      strategy: r.name,
      'net $': fmt(r.netProfitUsd),
      'uplift $': fmt(r.upliftOverStaticUsd),
      'oracle uplift %': fmt(r.oracleUpliftCapturedPct, 1),
      switches: r.switchCount,
      'SLA viol.': r.slaViolations,
      'GPU util %': fmt(r.gpuUtilizationPct, 1),
      'solve p50 ms': fmt(r.solveTimeP50Ms, 1),
      'solve p99 ms': fmt(r.solveTimeP99Ms, 1),
    })),
  );
}

Promise.resolve()
  .then(() => main(process.argv.slice(2)))
  .catch((error: unknown) => {
    if (
      error instanceof UsageError ||
      error instanceof StepTooFineError ||
      (error instanceof TypeError && 'code' in error)
    ) {
      console.error(`error: ${(error as Error).message}\n\n${USAGE}`);
    } else if (error instanceof CsvFormatError) {
      console.error(`error: ${error.message}`);
    } else {
      console.error(error instanceof Error ? `error: ${error.message}` : error);
    }
    process.exitCode = 2;
  });
