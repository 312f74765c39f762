import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import { DEFAULT_DEMAND_SCENARIO, DEMAND_SCENARIOS, type DemandScenarioParams } from '../../core/demand/scenarios.js';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { ERCOT_SHARED_PRICE_COLUMNS, type PriceCsvOptions } from '../../core/market-data/series.js';
import { fleetSchema } from '../../core/model/site.js';
import { DEFAULT_STRIKE } from '../../core/strategies/strategies.js';
import { type CliSpec, runCli, UsageError } from '../cli/args.js';
import { readSystemLoadFile, SYSTEM_LOAD_FILE } from '../data/market-files.js';
import { ParquetTelemetryStore } from '../local/telemetry-store.js';
import { type LoadOptions, loadBacktestData } from './data.js';
import { type FourCpLoad, type FourCpReport, fourCpReport } from './four-cp.js';
import { renderReport } from './report.js';
import { bidsVsSheet, monthlyCapture, type StrategyRun, type StrategySummary, summarize } from './run.js';
import {
  ALL_STRATEGIES,
  DEFAULT_FORECASTER,
  DEFAULT_STRATEGIES,
  FORECASTERS,
  type StrategyName,
  type StrategyOptions,
} from './strategy-catalogue.js';
import { recordBacktest } from './telemetry.js';
import { costliestIntervals, traceCsv } from './trace.js';
import type { WorkerJob, WorkerMessage } from './worker.js';

const positiveInt = z.coerce.number().int().positive();
/** An ISO date (midnight UTC) or instant, as epoch ms. */
const dateMs = z
  .string()
  .transform((raw) => Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw))
  .refine((ms) => !Number.isNaN(ms), 'expected a date like 2024-11-01');

const backtestFlags = z.strictObject({
  prices: z.string().min(1),
  hashprice: z.string().min(1),
  fleet: z.string().min(1).optional(),
  demand: z.string().min(1).optional(),
  demandScenario: z.enum(Object.keys(DEMAND_SCENARIOS) as [string, ...string[]]).default(DEFAULT_DEMAND_SCENARIO),
  from: dateMs.optional(),
  to: dateMs.optional(),
  strategies: z
    .string()
    .default(DEFAULT_STRATEGIES.join(','))
    .transform((list) => list.split(',').map((name) => name.trim()) as StrategyName[])
    .superRefine((names, ctx) => {
      const unknown = names.find((n) => !(ALL_STRATEGIES as readonly string[]).includes(n));
      if (unknown !== undefined)
        ctx.addIssue({
          code: 'custom',
          message: `unknown strategy "${unknown}" (known: ${ALL_STRATEGIES.join(', ')})`,
        });
    }),
  out: z.string().min(1).default('backtest-out'),
  stepMinutes: positiveInt.default(15),
  horizonHours: positiveInt.default(24),
  fineHours: positiveInt.default(6),
  resolveEvery: positiveInt.default(1),
  strikeCurtailAfter: positiveInt.default(DEFAULT_STRIKE.curtailAfter),
  strikeResumeAfter: positiveInt.default(DEFAULT_STRIKE.resumeAfter),
  forecaster: z.enum(Object.keys(FORECASTERS) as [string, ...string[]]).default(DEFAULT_FORECASTER),
  fourCp: z.enum(['off', 'forecast']).default('off'),
  systemLoad: z.string().min(1).optional(),
  workers: positiveInt.default(availableParallelism()),
  timeColumn: z.string().min(1).optional(),
  priceColumn: z.string().min(1).optional(),
  dayAheadColumn: z.string().min(1).optional(),
  temperatureColumn: z.string().min(1).optional(),
  timeZone: z.string().min(1).optional(),
  ancillaryPrices: z.string().min(1).optional(),
});
type BacktestFlags = z.output<typeof backtestFlags>;

const backtestCli: CliSpec<typeof backtestFlags> = {
  command: 'backtest',
  usage:
    'npm run backtest -- --prices FILE --hashprice FILE [flags]\n\nReplays the strategies over a price history and writes summary.json and report.html.',
  flags: backtestFlags,
  help: {
    prices: ['FILE', 'real-time price CSV (the ERCOT layout, or a generic one with --time-column/--price-column)'],
    hashprice: ['FILE', 'daily hashprice CSV'],
    fleet: ['FILE', 'fleet JSON (core/model/site.ts fleetSchema); default: the reference fleet'],
    demand: ['FILE', 'demand scenario JSON {guaranteedShare, flexShare, diurnalAmplitude, noiseSigma, seed}'],
    demandScenario: ['NAME', Object.keys(DEMAND_SCENARIOS).join('|')],
    from: ['DATE', 'ISO date or instant (UTC)'],
    to: ['DATE', 'ISO date or instant (UTC), exclusive'],
    strategies: ['a,b', `subset of ${ALL_STRATEGIES.join(',')}`],
    out: ['DIR', 'output directory'],
    stepMinutes: 'dispatch interval (the shared file is 15-minute; finer than the file is refused)',
    horizonHours: 'mpc horizon',
    fineHours: 'mpc single steps before hourly blocks',
    resolveEvery: 're-solve every N intervals, committing N',
    strikeCurtailAfter: 'strike: intervals above the strike before curtailing',
    strikeResumeAfter: 'strike: intervals below the strike before resuming',
    forecaster: ['NAME', `price forecaster for mpc: ${Object.keys(FORECASTERS).join(', ')}`],
    fourCp: [
      'off|forecast',
      '4CP: forecast plans on the 4CP forecaster (core/forecast/four-cp.ts) and scores the charge in the actual peaks',
    ],
    systemLoad: [
      'FILE',
      'hourly ERCOT system load, the shipped layout (default with --four-cp forecast: the shipped file)',
    ],
    workers: 'strategies run in parallel on N worker threads (default: the machine’s cores)',
    timeColumn: ['C', 'generic price CSV: time column (default time)'],
    priceColumn: ['C', 'generic price CSV: price column (default price)'],
    dayAheadColumn: ['C', 'generic price CSV: day-ahead price column'],
    temperatureColumn: ['C', 'generic price CSV: temperature column'],
    timeZone: ['TZ', 'time zone of the CSV times (generic default UTC)'],
    ancillaryPrices: [
      'FILE',
      'hourly ERCOT DAM ancillary capacity prices (columns of sim/data/ercot_dam_as_mcpc_hourly_*.csv); needed by mpc+as',
    ],
  },
};

function main(values: BacktestFlags): Promise<void> {
  const names = values.strategies;
  if (names.includes('mpc+as') && !values.ancillaryPrices) {
    throw new UsageError('--strategies: mpc+as needs --ancillary-prices FILE (the capacity prices it offers at)');
  }
  const generic = values.priceColumn !== undefined || values.timeColumn !== undefined;
  const priceColumns: PriceCsvOptions = generic
    ? {
        timeColumn: values.timeColumn ?? 'time',
        priceColumn: values.priceColumn ?? 'price',
        timeZone: values.timeZone ?? 'UTC',
        ...(values.dayAheadColumn ? { dayAheadColumn: values.dayAheadColumn } : {}),
        ...(values.temperatureColumn ? { temperatureColumn: values.temperatureColumn } : {}),
      }
    : { ...ERCOT_SHARED_PRICE_COLUMNS, ...(values.timeZone ? { timeZone: values.timeZone } : {}) };
  const fleet = values.fleet ? fleetSchema.parse(JSON.parse(readFileSync(values.fleet, 'utf8'))) : referenceFleet;
  const demand: DemandScenarioParams = values.demand
    ? { name: path.basename(values.demand), ...JSON.parse(readFileSync(values.demand, 'utf8')) }
    : DEMAND_SCENARIOS[values.demandScenario]!;
  const { stepMinutes } = values;
  const perHour = 60 / stepMinutes;
  const horizonSteps = values.horizonHours * perHour;
  const fineSteps = values.fineHours * perHour;
  const commitSteps = values.resolveEvery;
  const strike = { curtailAfter: values.strikeCurtailAfter, resumeAfter: values.strikeResumeAfter };
  const { out, forecaster: forecasterName, fourCp, workers } = values;
  const systemLoadFile = values.systemLoad ?? (fourCp === 'forecast' ? SYSTEM_LOAD_FILE : undefined);
  const fourCpLoad: FourCpLoad = { mode: fourCp, ...(systemLoadFile ? { systemLoadFile } : {}) };
  const load: LoadOptions = {
    pricesFile: values.prices,
    hashpriceFile: values.hashprice,
    priceColumns,
    stepMinutes,
    ...(values.from !== undefined ? { fromMs: values.from } : {}),
    ...(values.to !== undefined ? { toMs: values.to } : {}),
    fleet,
    demand,
    fourCp: fourCpLoad,
    ...(values.ancillaryPrices ? { ancillaryPricesFile: values.ancillaryPrices } : {}),
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
  return runInWorkers(names, load, options, workers, began).then(async (runs) => {
    const summaries = summarize(data, runs);
    // A bid stream is measured against the fixed sheet: the same window and strategies with the sheet's flex work.
    const sheet = demand.bids ? DEMAND_SCENARIOS[FIXED_SHEET_SCENARIO]! : undefined;
    const vsSheet = sheet
      ? bidsVsSheet(
          summaries,
          summarize(data, await runInWorkers(names, { ...load, demand: sheet }, options, workers, began)),
          sheet.name,
        )
      : undefined;
    const wallSeconds = (Date.now() - began) / 1000;
    const monthly = monthlyCapture(data, runs, data.market.publication.timeZone);
    const mpcRun = runs.find((r) => r.name === 'mpc');
    const perfectRun = runs.find((r) => r.name === 'mpc-perfect');
    const costliest = mpcRun && perfectRun ? costliestIntervals(data, mpcRun, perfectRun) : [];
    const fourCpPeaks = fourCpReport(
      data,
      fourCpLoad,
      systemLoadFile ? readSystemLoadFile(systemLoadFile) : undefined,
      runs,
    );
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
      fourCpPeaks,
      demandScenario: demand.name,
      marketNote: MARKET_NOTE,
      ancillaryPrices: values.ancillaryPrices ?? null,
      ancillaryNote: values.ancillaryPrices ? ANCILLARY_NOTE : null,
      publication: data.market.publication,
      sites: fleet.sites.map((s) => s.id),
      wallSeconds,
      strategies: summaries,
      monthly,
      mpcCostliestIntervalsVsMpcPerfect: costliest,
      ...(vsSheet ? { bidsVsFixedSheet: vsSheet } : {}),
    };
    writeFileSync(path.join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    writeFileSync(
      path.join(out, 'report.html'),
      renderReport(data, runs, summaries, { monthly, costliest, note: MARKET_NOTE }),
    );
    for (const run of runs) writeFileSync(path.join(out, `trace-${run.name}.csv`), traceCsv(data, run));
    // The telemetry history's tables, a scenario per strategy: the history API's queries read them (#27 item 5).
    const history = await ParquetTelemetryStore.open(path.join(out, 'telemetry'));
    recordBacktest(history, data, runs);
    await history.close();
    printTable(summaries);
    printFourCp(fourCpPeaks);
    if (vsSheet) printBidsVsSheet(vsSheet);
    console.error(
      `wrote ${path.join(out, 'summary.json')}, report.html, trace-*.csv and telemetry/ (Parquet, a scenario per strategy); wall time ${wallSeconds.toFixed(0)} s`,
    );
  });
}

/** The files are ERCOT's market before real-time co-optimisation went live: figures say so wherever they are shown. */
const MARKET_NOTE =
  'ERCOT prices from before real-time co-optimization plus batteries (RTC+B, live since 2025-12-05): ancillary services were procured day-ahead and scarcity priced through adders, so spike shapes after RTC+B differ.';

/** Which ancillary prices the backtest uses, and what the real-time (RTC+B) alternative would change. */
const ANCILLARY_NOTE =
  'mpc+as offers at DAM capacity clearing prices (known at DAM publication, ~13:30 Central the day before, for the next operating day; a price-taker offer is awarded at the clearing price). Real-time AS prices per SCED (RTC+B, since 2025-12-05) are modelled in core/market-data (known at the interval start) but the shipped file holds DAM prices only.';

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
  const cost: Record<StrategyName, number> = {
    mpc: 0,
    'mpc+as': 0,
    deployed: 0,
    'mpc-perfect': 1,
    oracle: 2,
    'oracle-prices': 2,
    myopic: 3,
    strike: 4,
    static: 5,
  };
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

/** The fixed sheet a bid stream is compared with: its guaranteed work is the bids scenario's. */
const FIXED_SHEET_SCENARIO = 'steady';

function printBidsVsSheet(rows: ReturnType<typeof bidsVsSheet>): void {
  console.error(`bids vs the fixed sheet (${rows[0]?.fixedSheetScenario ?? FIXED_SHEET_SCENARIO}):`);
  for (const r of rows) {
    console.error(
      `  ${r.strategy}: revenue/GPU-month $${r.revenuePerGpuMonthUsd.bids.toFixed(0)} vs $${r.revenuePerGpuMonthUsd.fixedSheet.toFixed(0)}, GPU utilisation ${r.gpuUtilizationPct.bids.toFixed(1)}% vs ${r.gpuUtilizationPct.fixedSheet.toFixed(1)}%, mining revenue given up $${r.miningRevenueGivenUpUsd.toFixed(0)}, net $${r.netProfitUsd.bids.toFixed(0)} vs $${r.netProfitUsd.fixedSheet.toFixed(0)}`,
    );
  }
}

/** 4CP on the console: the peaks caught and the charge avoided, or why there is nothing to show. */
function printFourCp(report: FourCpReport): void {
  if (report.note) console.error(`4CP: ${report.note}`);
  if (report.peaks.length === 0) return;
  console.error(
    `4CP (${report.mode}): peaks in the window ${report.peaks.map((p) => `${p.month} ${p.hourStart} ${Math.round(p.systemLoadMw)} MW`).join('; ')}`,
  );
  for (const [name, s] of Object.entries(report.strategies)) {
    console.error(
      `  ${name}: ${s.peaksCaught}/${report.peaks.length} peaks caught, charge $${s.chargeUsd.toFixed(0)}, avoided $${s.chargeAvoidedUsd.toFixed(0)} against the interconnect limit`,
    );
  }
}

function printTable(rows: readonly StrategySummary[]): void {
  const fmt = (n: number | null, digits = 0) =>
    n === null ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits });
  console.table(
    rows.map((r) => ({
      strategy: r.name,
      'net $': fmt(r.netProfitUsd),
      'AS $': fmt(r.ancillaryRevenueUsd),
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

runCli(backtestCli, main);
