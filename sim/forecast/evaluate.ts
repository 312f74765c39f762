import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { dayAheadNaiveForecaster, seasonalNaiveForecaster } from '../../core/forecast/seasonal-naive.js';
import { type PriceForecaster, SPIKE_THRESHOLD_USD_PER_MWH } from '../../core/forecast/types.js';
import { ERCOT_PUBLICATION, knownAt } from '../../core/market-data/known-at.js';
import { marketRecord } from '../backtest/data.js';
import type { MonthCapture } from '../backtest/run.js';
import { DEFAULT_FORECASTER, FORECASTERS } from '../backtest/strategy-catalogue.js';
import { type CliSpec, runCli } from '../cli/args.js';
import { ERCOT_PRICE_FILE, HASHPRICE_FILE, readHashpriceFile, readPriceFile } from '../data/market-files.js';

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
    out: ['FILE', 'also write the results as JSON'],
  },
};

function evaluate(values: z.output<typeof evaluateFlags>): void {
  const prices = readPriceFile(values.prices, 15);
  const record = marketRecord(prices, readHashpriceFile(values.hashprice), {
    ...ERCOT_PUBLICATION,
    rtPublicationDelayMinutes: values.rtDelayMinutes,
  });
  const { stepMinutes, startMs } = record;
  const rt = record.rtUsdPerMwh;
  const stepMs = stepMinutes * 60_000;
  const horizonSteps = Math.round((values.horizonHours * 60) / stepMinutes);
  const everySteps = Math.round((values.everyHours * 60) / stepMinutes);
  const firstOrigin = Math.round((values.warmupDays * 1440) / stepMinutes);

  const named = (name: string, f: PriceForecaster) => ({ name, forecaster: f });
  const forecasters = [
    named('seasonal-naive', seasonalNaiveForecaster),
    named('day-ahead-naive', dayAheadNaiveForecaster),
    ...Object.keys(FORECASTERS)
      .filter((n) => n.startsWith('ridge'))
      .map((n) => named(n === DEFAULT_FORECASTER ? `${n} (backtest's)` : n, FORECASTERS[n]!())),
  ];
  const buckets = [
    ['0-1h', 0, 1],
    ['1-6h', 1, 6],
    ['6-24h', 6, 24],
    ['24h+', 24, Number.POSITIVE_INFINITY],
  ] as const;
  /** Reliability bins of the spike probability. */
  const BINS = [0, 0.01, 0.05, 0.1, 0.2, 0.5, 1.000001];

  const results = forecasters.map(({ name, forecaster }) => {
    const abs = buckets.map(() => ({ sum: 0, n: 0 }));
    const prob = { tp: 0, fp: 0, fn: 0 };
    const point = { tp: 0, fp: 0, fn: 0 };
    const bins = BINS.slice(1).map(() => ({ n: 0, predicted: 0, observed: 0 }));
    let brier = 0;
    let scored = 0;
    let origins = 0;
    const began = Date.now();
    for (let origin = firstOrigin; origin + horizonSteps <= rt.length; origin += everySteps) {
      origins += 1;
      const view = knownAt(record, startMs + origin * stepMs);
      // Intervals between the last published price and the decision time are forecast too, but not scored.
      const lead = origin - view.rtUsdPerMwh.length;
      const forecast = forecaster.forecast(view, lead + horizonSteps);
      for (let i = 0; i < horizonSteps; i += 1) {
        const actual = rt[origin + i]!;
        const leadHours = ((i + 1) * stepMinutes) / 60;
        const b = buckets.findIndex(([, lo, hi]) => leadHours > lo && leadHours <= hi);
        abs[b]!.sum += Math.abs(forecast.pointUsdPerMwh[lead + i]! - actual);
        abs[b]!.n += 1;
        const spike = actual > SPIKE_THRESHOLD_USD_PER_MWH;
        const q = forecast.spikeProbability[lead + i]!;
        brier += (q - (spike ? 1 : 0)) ** 2;
        scored += 1;
        const bin = bins[BINS.findIndex((lo, k) => q >= lo && q < BINS[k + 1]!)]!;
        bin.n += 1;
        bin.predicted += q;
        bin.observed += spike ? 1 : 0;
        for (const [tally, flagged] of [
          [prob, q >= 0.5],
          [point, forecast.pointUsdPerMwh[lead + i]! >= SPIKE_THRESHOLD_USD_PER_MWH],
        ] as const) {
          if (flagged && spike) tally.tp += 1;
          else if (flagged) tally.fp += 1;
          else if (spike) tally.fn += 1;
        }
      }
    }
    const total = abs.reduce((a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }), { sum: 0, n: 0 });
    const pr = (t: { tp: number; fp: number; fn: number }) => ({
      precision: t.tp + t.fp > 0 ? t.tp / (t.tp + t.fp) : 0,
      recall: t.tp + t.fn > 0 ? t.tp / (t.tp + t.fn) : 0,
      ...t,
    });
    const baseRate = bins.reduce((a, b) => a + b.observed, 0) / Math.max(1, scored);
    return {
      name,
      origins,
      maeUsdPerMwh: total.sum / total.n,
      maeByHorizonUsdPerMwh: Object.fromEntries(buckets.map(([label], b) => [label, abs[b]!.sum / abs[b]!.n])),
      spikeBrier: brier / Math.max(1, scored),
      /** Brier score of always forecasting the base rate: a skilful forecaster scores below it. */
      spikeBrierClimatology: baseRate * (1 - baseRate),
      spikeReliability: bins.map((b, k) => ({
        from: BINS[k]!,
        to: Math.min(1, BINS[k + 1]!),
        count: b.n,
        meanPredicted: b.n > 0 ? b.predicted / b.n : null,
        observedFrequency: b.n > 0 ? b.observed / b.n : null,
      })),
      spikeByProbability: pr(prob),
      spikeByPoint: pr(point),
      runtimeMs: Date.now() - began,
    };
  });

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

  const regret = values.backtest ? regretByMonth(values.backtest) : undefined;
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
  if (values.out) writeFileSync(values.out, JSON.stringify({ horizonSteps, everySteps, results, regret }, null, 2));
}

/** Regret, from a backtest run with the same forecaster: what mpc earned less than perfect foresight, by month. */
function regretByMonth(dir: string) {
  const summary = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as {
    forecaster: string;
    monthly: MonthCapture[];
  };
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
