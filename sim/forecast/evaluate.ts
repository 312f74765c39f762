import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { dayAheadNaiveForecaster, seasonalNaiveForecaster } from '../../core/forecast/seasonal-naive.js';
import { type PriceForecaster, SPIKE_THRESHOLD_USD_PER_MWH } from '../../core/forecast/types.js';
import { ERCOT_PUBLICATION } from '../../core/market-data/known-at.js';
import type { Site } from '../../core/model/site.js';
import { marketRecord } from '../backtest/data.js';
import type { MonthCapture } from '../backtest/run.js';
import { DEFAULT_FORECASTER, FORECASTERS } from '../backtest/strategy-catalogue.js';
import { type CliSpec, runCli, UsageError } from '../cli/args.js';
import { ERCOT_PRICE_FILE, HASHPRICE_FILE, readHashpriceFile, readPriceFile } from '../data/market-files.js';
import { BREAKEVEN_HORIZON_HOURS, scoreBreakevenClassifier } from './breakeven-scores.js';
import { scoreForecaster } from './scores.js';

/**
 * Rolling-origin evaluation through the backtest's own known-at view (core/market-data/known-at.ts): at each decision
 * time every forecaster is handed what was published by then (real-time prices 5 minutes after their interval,
 * day-ahead prices from 13:30 Central the day before, temperatures observed so far) and is scored on the intervals
 * from the decision time on, as mpc uses them. Scores: MAE by lead; the spike probability's Brier score and
 * reliability table (P(price > $200/MWh)); spike precision/recall by probability ≥ 0.5 and by point ≥ $200; and,
 * given a backtest's summary.json, the money: mpc's regret against mpc-perfect and the oracle, by month.
 */
const evaluateFlags = z.strictObject({
  prices: z.string().min(1).default(ERCOT_PRICE_FILE),
  hashprice: z.string().min(1).default(HASHPRICE_FILE),
  horizonHours: z.coerce.number().positive().default(24),
  everyHours: z.coerce.number().positive().default(6),
  warmupDays: z.coerce.number().nonnegative().default(14),
  rtDelayMinutes: z.coerce.number().int().nonnegative().default(ERCOT_PUBLICATION.rtPublicationDelayMinutes),
  backtest: z.string().min(1).optional(),
  forecasters: z
    .string()
    .transform((list) => list.split(',').map((name) => name.trim()))
    .optional(),
  breakeven: z.boolean().default(false),
  out: z.string().min(1).optional(),
});

const evaluateCli: CliSpec<typeof evaluateFlags> = {
  command: 'forecast:evaluate',
  usage:
    'npm run forecast:evaluate -- [flags]\n\nRolling-origin evaluation of the price forecasters through the known-at view: MAE by lead, spike Brier score and reliability, and mpc regret by month from a backtest.',
  flags: evaluateFlags,
  help: {
    prices: ['FILE', 'real-time price CSV (ERCOT layout)'],
    hashprice: ['FILE', 'daily hashprice CSV (the known-at view needs it)'],
    horizonHours: 'forecast horizon from each decision time',
    everyHours: 'hours between decision times',
    warmupDays: 'days of history before the first decision time',
    rtDelayMinutes: 'minutes after its interval a real-time price is posted (0 reproduces the scores before issue 19)',
    backtest: ['DIR', "a backtest's output directory: mpc's regret by month from its summary.json"],
    forecasters: ['a,b', 'forecasters to score (default: the naive ones and every ridge variant)'],
    breakeven: `also score the breakeven classifier: P(price > each reference ASIC group's breakeven), leads 0–${BREAKEVEN_HORIZON_HOURS} h`,
    out: ['FILE', 'also write the results as JSON'],
  },
};

function evaluate(values: z.output<typeof evaluateFlags>): void {
  const prices = readPriceFile(values.prices, 15);
  const record = marketRecord(prices, readHashpriceFile(values.hashprice), {
    ...ERCOT_PUBLICATION,
    rtPublicationDelayMinutes: values.rtDelayMinutes,
  });
  const { stepMinutes } = record;
  const horizonSteps = Math.round((values.horizonHours * 60) / stepMinutes);
  const everySteps = Math.round((values.everyHours * 60) / stepMinutes);
  const firstOrigin = Math.round((values.warmupDays * 1440) / stepMinutes);

  const summary = values.backtest ? readBacktestSummary(values.backtest) : undefined;
  // The forecaster the backtest used: the one its summary names, else the backtest's default.
  const backtests = summary?.forecaster ?? DEFAULT_FORECASTER;
  const chosen = values.forecasters ?? [
    'seasonal-naive',
    'day-ahead-naive',
    ...Object.keys(FORECASTERS).filter((n) => n.startsWith('ridge')),
  ];
  const known: Record<string, (sites: readonly Site[]) => PriceForecaster> = {
    'seasonal-naive': () => seasonalNaiveForecaster,
    'day-ahead-naive': () => dayAheadNaiveForecaster,
    ...FORECASTERS,
  };
  const unknown = chosen.find((n) => !known[n]);
  if (unknown !== undefined) {
    throw new UsageError(`--forecasters: unknown forecaster "${unknown}" (known: ${Object.keys(known).join(', ')})`);
  }
  const window = { firstOrigin, horizonSteps, everySteps };
  const results = chosen.map((name) => ({
    name: name === backtests ? `${name} (backtest's)` : name,
    ...scoreForecaster(record, known[name]!(referenceFleet.sites), window),
  }));

  const fmt = (v: number | null, digits = 2) => (v !== null && Number.isFinite(v) ? v.toFixed(digits) : '-');
  console.log(
    'forecaster                 MAE    0-1h   1-6h   6-24h | Brier (climatology) | P>=.5 prec/rec | point>=200 prec/rec',
  );
  for (const r of results) {
    const h = r.maeByHorizonUsdPerMwh;
    console.log(
      `${r.name.padEnd(25)} ${fmt(r.maeUsdPerMwh)}  ${fmt(h['0-1h']!)}  ${fmt(h['1-6h']!)}  ${fmt(h['6-24h']!)} | ${fmt(r.spikeBrier, 5)} (${fmt(r.spikeBrierClimatology, 5)}) | ${fmt(r.spikeByProbability.precision)}/${fmt(r.spikeByProbability.recall)} | ${fmt(r.spikeByPoint.precision)}/${fmt(r.spikeByPoint.recall)}`,
    );
  }
  const backtestsForecaster = results.find((r) => r.name.endsWith("(backtest's)"));
  if (backtestsForecaster) {
    console.log(
      `\nreliability of ${backtestsForecaster.name}'s spike probability (P(price > $${SPIKE_THRESHOLD_USD_PER_MWH}/MWh)):`,
    );
    console.log('  bin            count   mean predicted   observed');
    for (const b of backtestsForecaster.spikeReliability) {
      console.log(
        `  ${fmt(b.from, 2)}–${fmt(b.to, 2)}  ${String(b.count).padStart(9)}   ${fmt(b.meanPredicted, 4).padStart(14)}   ${fmt(b.observedFrequency, 4)}`,
      );
    }
  }

  const breakeven = values.breakeven
    ? scoreBreakevenClassifier(record, referenceFleet.sites, {
        ...window,
        horizonSteps: Math.min(horizonSteps, Math.round((BREAKEVEN_HORIZON_HOURS * 60) / stepMinutes)),
      })
    : undefined;
  if (breakeven) {
    console.log(`
breakeven classifier, leads 0–${BREAKEVEN_HORIZON_HOURS} h: P(price > the group's breakeven)`);
    for (const g of breakeven) {
      console.log(
        `  ${g.groupId.padEnd(16)} Brier ${fmt(g.brier, 5)} (climatology ${fmt(g.brierClimatology, 5)}), ${g.count} forecasts, ${fmt(g.baseRate * 100, 2)}% above`,
      );
      for (const b of g.reliability.filter((bin) => bin.count > 0)) {
        console.log(
          `    ${fmt(b.from, 2)}–${fmt(b.to, 2)}  ${String(b.count).padStart(7)}   mean ${fmt(b.meanPredicted, 4)}   observed ${fmt(b.observedFrequency, 4)}`,
        );
      }
    }
  }

  const regret = summary ? regretByMonth(summary) : undefined;
  if (regret) {
    console.log(`\nmpc's regret by month (backtest forecaster ${regret.forecaster}):`);
    console.log('  month      vs mpc-perfect $   vs oracle $   oracle uplift captured %');
    for (const m of regret.months) {
      console.log(
        `  ${m.month}${m.full ? ' ' : '*'}  ${fmt(m.regretVsMpcPerfectUsd, 0).padStart(16)}  ${fmt(m.regretVsOracleUsd, 0).padStart(12)}   ${fmt(m.oracleUpliftCapturedPct, 1)}`,
      );
    }
    console.log('  (* partial month)');
  }
  if (values.out)
    writeFileSync(values.out, JSON.stringify({ horizonSteps, everySteps, results, breakeven, regret }, null, 2));
}

interface BacktestSummary {
  readonly forecaster: string;
  readonly monthly: MonthCapture[];
}

function readBacktestSummary(dir: string): BacktestSummary {
  return JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as BacktestSummary;
}

/** Regret, from a backtest's summary: what mpc earned less than perfect foresight, by month. */
function regretByMonth(summary: BacktestSummary) {
  return {
    forecaster: summary.forecaster,
    months: summary.monthly.map((m) => {
      const net = (name: string) => m.strategies[name]?.netUsd ?? null;
      const mpc = net('mpc');
      const gap = (other: number | null) => (mpc === null || other === null ? null : other - mpc);
      return {
        month: m.month,
        full: m.full,
        regretVsMpcPerfectUsd: gap(net('mpc-perfect')),
        regretVsOracleUsd: gap(net('oracle')),
        oracleUpliftCapturedPct: m.strategies.mpc?.oracleUpliftCapturedPct ?? null,
      };
    }),
  };
}
runCli(evaluateCli, evaluate);
