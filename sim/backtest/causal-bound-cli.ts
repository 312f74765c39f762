import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_DEMAND_SCENARIO, DEMAND_SCENARIOS } from '../../core/demand/scenarios.js';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { ERCOT_SHARED_PRICE_COLUMNS } from '../../core/market-data/series.js';
import { localWallMinutes } from '../../core/market-data/time-zone.js';
import { type CliSpec, runCli } from '../cli/args.js';
import {
  binOf,
  type CellOf,
  crossValidatedTable,
  curtailValues,
  foresightByClass,
  foresightUsd,
  INTERVAL_CLASSES,
  type IntervalClass,
  intervalClass,
  PUBLISHED_LAG_STEPS,
  policyUsd,
  tableBound,
} from './causal-bound.js';
import { loadBacktestData } from './data.js';

const flags = z.strictObject({
  prices: z.string().min(1),
  hashprice: z.string().min(1),
  traces: z.string().min(1).optional(),
});

const spec: CliSpec<typeof flags> = {
  command: 'causal-bound',
  usage:
    'npx tsx sim/backtest/causal-bound-cli.ts --prices FILE --hashprice FILE [--traces DIR]\n\nDecomposes the foresight value of ASIC curtailment by interval class and bounds what a policy deciding from published data can take (issue 19).',
  flags,
  help: {
    prices: ['FILE', 'the ERCOT price CSV'],
    hashprice: ['FILE', 'daily hashprice CSV'],
    traces: ['DIR', 'a backtest output directory: split its static, oracle and mpc traces by class'],
  },
};

const RATIO_EDGES = [0, 0.2, 0.3, 0.4, 0.5, 0.65, 0.8, 0.9, 1, 1.25, 2, 4];
const MOMENTUM_RATIO_EDGES = [-0.5, -0.1, -0.02, 0.02, 0.1, 0.5];

function traceNets(dir: string, name: string): number[] | undefined {
  const file = path.join(dir, `trace-${name}.csv`);
  if (!existsSync(file)) return undefined;
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const column = header!.split(',').indexOf('net_usd');
  return rows.map((row) => Number(row.split(',')[column]));
}

function main(values: z.output<typeof flags>): void {
  const data = loadBacktestData({
    pricesFile: values.prices,
    hashpriceFile: values.hashprice,
    priceColumns: ERCOT_SHARED_PRICE_COLUMNS,
    stepMinutes: 15,
    fleet: referenceFleet,
    demand: DEMAND_SCENARIOS[DEFAULT_DEMAND_SCENARIO]!,
  });
  const { market, marketOffset } = data;
  const price = data.truth.priceUsdPerMwh;
  const stepMs = data.stepMinutes * 60_000;
  const published = (t: number, back = 0) => market.rtUsdPerMwh[marketOffset + t - PUBLISHED_LAG_STEPS - back];
  const lastPublished = (t: number) => published(t);
  const dayAhead = (t: number) => market.daUsdPerMwh?.[marketOffset + t];
  const localMinutes = (t: number) => localWallMinutes(data.startMs + t * stepMs, 'America/Chicago');
  const quarterHour = (t: number) => Math.floor((((localMinutes(t) % 1440) + 1440) % 1440) / 15);
  const month = (t: number) => new Date(data.startMs + t * stepMs).toISOString().slice(0, 7);
  const momentum = (t: number) => {
    const a = published(t);
    const b = published(t, 1);
    return a === undefined || b === undefined ? undefined : a - b;
  };

  const curtail = curtailValues(data.sites, price, data.truth.hashpriceUsdPerThDay, data.stepMinutes);
  const foresight = foresightUsd(curtail);
  const pct = (usd: number) => `${((100 * usd) / foresight).toFixed(1)}%`;
  const usd = (v: number) => `$${Math.round(v).toLocaleString('en-US')}`;
  console.log(
    `foresight value (every group asleep exactly when price > its breakeven, no switching cost): ${usd(foresight)}`,
  );

  console.log('\nby interval class (per group and interval; last published price = t−2):');
  const byClass = foresightByClass(curtail, price, lastPublished);
  for (const c of INTERVAL_CLASSES) {
    console.log(
      `  ${c.padEnd(12)} ${String(byClass[c].steps).padStart(6)} group-steps  ${usd(byClass[c].foresightUsd).padStart(10)}  ${pct(byClass[c].foresightUsd)}`,
    );
  }

  // Prices as a ratio to the group's breakeven at the step, so a cell means the same thing as hashprice moves.
  const ratio = (g: number, t: number, v: number | undefined) =>
    v === undefined ? undefined : v / curtail.breakevenUsdPerMwh[g]![t]!;
  const last = (g: number, t: number) => binOf(ratio(g, t, lastPublished(t)), RATIO_EDGES);
  const da = (g: number, t: number) => binOf(ratio(g, t, dayAhead(t)), RATIO_EDGES);
  const move = (g: number, t: number) => binOf(ratio(g, t, momentum(t)), MOMENTUM_RATIO_EDGES);
  const cellSets: Record<string, CellOf> = {
    'last published price / breakeven (12 bins)': (g, t) => `${last(g, t)}`,
    '… × hour of day (Central)': (g, t) => `${last(g, t)}|${Math.floor(quarterHour(t) / 4)}`,
    '… × quarter-hour': (g, t) => `${last(g, t)}|${quarterHour(t)}`,
    '… × quarter-hour × DA(t) / breakeven': (g, t) => `${last(g, t)}|${quarterHour(t)}|${da(g, t)}`,
    '… × quarter-hour × DA(t) × momentum (t−2 − t−3)': (g, t) =>
      `${last(g, t)}|${quarterHour(t)}|${da(g, t)}|${move(g, t)}`,
    'last price × DA(t) × momentum (no clock)': (g, t) => `${last(g, t)}|${da(g, t)}|${move(g, t)}`,
  };
  const strikeUsd = curtail.byGroupUsd.reduce(
    (a, series, g) => a + series.reduce((b, v, t) => b + ((ratio(g, t, lastPublished(t)) ?? 0) > 1 ? v : 0), 0),
    0,
  );
  console.log('\npolicies deciding from published data only (share of the foresight value):');
  console.log(`  sleep while the last published price is above breakeven: ${usd(strikeUsd)} ${pct(strikeUsd)}`);
  for (const [name, cellOf] of Object.entries(cellSets)) {
    const bound = tableBound(curtail, cellOf);
    const cv = crossValidatedTable(curtail, cellOf, month);
    console.log(
      `  ${name}: in-sample best ${usd(bound.usd)} ${pct(bound.usd)} (${bound.cells} cells); fitted on the other months ${usd(cv)} ${pct(cv)}`,
    );
  }

  console.log('\nby month: foresight value, its onset share, and the rule on the last published price:');
  for (const m of [...new Set(price.map((_, t) => month(t)))]) {
    const inMonth = (t: number) => month(t) === m;
    const masked = { ...curtail, byGroupUsd: curtail.byGroupUsd.map((s) => s.map((v, t) => (inMonth(t) ? v : 0))) };
    const total = foresightUsd(masked);
    const onset = foresightByClass(masked, price, lastPublished).onset.foresightUsd;
    const rule = policyUsd(masked, (g, t) => (ratio(g, t, lastPublished(t)) ?? 0) > 1);
    const share = (v: number) => `${total > 0 ? ((100 * v) / total).toFixed(1) : '—'}%`;
    console.log(
      `  ${m}: ${usd(total).padStart(9)}  onsets ${share(onset).padStart(6)}  rule ${usd(rule).padStart(9)} ${share(rule)}`,
    );
  }

  if (values.traces) {
    const nets = Object.fromEntries(
      ['static', 'oracle', 'oracle-prices', 'mpc', 'mpc-perfect', 'strike'].map((n) => [
        n,
        traceNets(values.traces!, n),
      ]),
    );
    if (!nets.static || !nets.oracle) throw new Error(`${values.traces}: needs trace-static.csv and trace-oracle.csv`);
    // Fleet-level class: against the lowest breakeven of the step (some group would sleep).
    const lowestBreakeven = (t: number) => Math.min(...curtail.breakevenUsdPerMwh.map((b) => b[t]!));
    const classOf = (t: number): IntervalClass => intervalClass(price[t]!, lastPublished(t), lowestBreakeven(t));
    const names = Object.keys(nets).filter((n) => n !== 'static' && nets[n]);
    const months = [...new Set(price.map((_, t) => month(t)))];
    const byMonth = (n: string, m: string | undefined) => {
      const totals: Record<IntervalClass, number> = { onset: 0, continuation: 0, exit: 0, below: 0 };
      nets[n]!.forEach((net, t) => {
        if (m === undefined || month(t) === m) totals[classOf(t)] += net - nets.static![t]!;
      });
      return totals;
    };
    console.log('\nrealised uplift over static by class (fleet: price against the lowest breakeven of the step):');
    console.log(
      `  ${'month'.padEnd(8)} ${'strategy'.padEnd(12)} ${[...INTERVAL_CLASSES, 'total'].map((c) => c.padStart(13)).join(' ')}`,
    );
    for (const m of [undefined, ...months]) {
      for (const n of names) {
        const totals = byMonth(n, m);
        const sum = INTERVAL_CLASSES.reduce((a, c) => a + totals[c], 0);
        const cells = [...INTERVAL_CLASSES.map((c) => totals[c]), sum].map((v) => usd(v).padStart(13));
        console.log(`  ${(m ?? 'all').padEnd(8)} ${n.padEnd(12)} ${cells.join(' ')}`);
      }
    }
  }
}

runCli(spec, main);
