import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { createRidgeForecaster } from '../../core/forecast/ridge.js';
import { dayAheadNaiveForecaster, seasonalNaiveForecaster } from '../../core/forecast/seasonal-naive.js';
import { type PriceForecaster, SPIKE_THRESHOLD_USD_PER_MWH } from '../../core/forecast/types.js';
import { zoneOffsetMinutes } from '../../core/market-data/time-zone.js';
import { type CliSpec, runCli } from '../cli/args.js';
import { ERCOT_PRICE_FILE, readPriceFile } from '../data/market-files.js';

/**
 * Rolling-origin evaluation: at each origin every forecaster sees real-time prices before it, day-ahead prices only
 * for operating days whose DAM had cleared (13:30 Central the day before), and temperature only up to the origin
 * (persistence beyond it). Spikes are scored with spikeProbability ≥ 0.5 and, separately, point ≥ $200/MWh.
 */
const evaluateFlags = z.strictObject({
  prices: z.string().min(1).default(ERCOT_PRICE_FILE),
  horizonHours: z.coerce.number().positive().default(24),
  everyHours: z.coerce.number().positive().default(6),
  warmupDays: z.coerce.number().nonnegative().default(14),
  out: z.string().min(1).optional(),
});

const evaluateCli: CliSpec<typeof evaluateFlags> = {
  command: 'forecast:evaluate',
  usage:
    'npm run forecast:evaluate -- [flags]\n\nRolling-origin evaluation of the price forecasters: MAE by lead time, spike precision and recall.',
  flags: evaluateFlags,
  help: {
    prices: ['FILE', 'real-time price CSV (ERCOT layout)'],
    horizonHours: 'forecast horizon from each origin',
    everyHours: 'hours between origins',
    warmupDays: 'days of history before the first origin',
    out: ['FILE', 'also write the results as JSON'],
  },
};

function evaluate(values: z.output<typeof evaluateFlags>): void {
  const series = readPriceFile(values.prices, 15);
  const stepMinutes = series.rtUsdPerMwh.stepMinutes;
  const rt = series.rtUsdPerMwh.values;
  const da = series.daUsdPerMwh?.values;
  const temperature = series.temperatureC?.values;
  const startMs = series.rtUsdPerMwh.startMs;
  const horizonSteps = Math.round((values.horizonHours * 60) / stepMinutes);
  const everySteps = Math.round((values.everyHours * 60) / stepMinutes);
  const firstOrigin = Math.round((values.warmupDays * 1440) / stepMinutes);

  function dayAheadEnd(origin: number): number {
    const originMs = startMs + origin * stepMinutes * 60_000;
    const local = Math.floor(originMs / 60_000) + zoneOffsetMinutes(originMs, 'America/Chicago');
    const day = Math.floor(local / 1440);
    const lastDay = day + (local - day * 1440 >= 13 * 60 + 30 ? 1 : 0);
    return origin + Math.ceil(((lastDay + 1) * 1440 - local) / stepMinutes);
  }

  const forecasters: PriceForecaster[] = [seasonalNaiveForecaster, dayAheadNaiveForecaster, createRidgeForecaster()];
  const buckets = [
    ['0-1h', 0, 1],
    ['1-6h', 1, 6],
    ['6-24h', 6, 24],
    ['24h+', 24, Number.POSITIVE_INFINITY],
  ] as const;
  const results = forecasters.map((f) => {
    const abs = buckets.map(() => ({ sum: 0, n: 0 }));
    const prob = { tp: 0, fp: 0, fn: 0 };
    const point = { tp: 0, fp: 0, fn: 0 };
    let origins = 0;
    const began = Date.now();
    for (let origin = firstOrigin; origin + horizonSteps <= rt.length; origin += everySteps) {
      origins += 1;
      const forecast = f.forecast(
        {
          startMs,
          stepMinutes,
          rtUsdPerMwh: rt.slice(0, origin),
          ...(da ? { daUsdPerMwh: da.slice(0, Math.min(da.length, dayAheadEnd(origin))) } : {}),
          ...(temperature ? { temperatureC: temperature.slice(0, origin) } : {}),
        },
        horizonSteps,
      );
      for (let i = 0; i < horizonSteps; i += 1) {
        const actual = rt[origin + i]!;
        const leadHours = ((i + 1) * stepMinutes) / 60;
        const b = buckets.findIndex(([, lo, hi]) => leadHours > lo && leadHours <= hi);
        abs[b]!.sum += Math.abs(forecast.pointUsdPerMwh[i]! - actual);
        abs[b]!.n += 1;
        const spike = actual > SPIKE_THRESHOLD_USD_PER_MWH;
        for (const [tally, flagged] of [
          [prob, forecast.spikeProbability[i]! >= 0.5],
          [point, forecast.pointUsdPerMwh[i]! >= SPIKE_THRESHOLD_USD_PER_MWH],
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
    return {
      name: f.name,
      origins,
      maeUsdPerMwh: total.sum / total.n,
      maeByHorizonUsdPerMwh: Object.fromEntries(buckets.map(([label], b) => [label, abs[b]!.sum / abs[b]!.n])),
      spikeByProbability: pr(prob),
      spikeByPoint: pr(point),
      runtimeMs: Date.now() - began,
    };
  });
  const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
  console.log('forecaster        MAE    0-1h   1-6h   6-24h  | P(p>=.5) prec/rec | point>=200 prec/rec');
  for (const r of results) {
    const h = r.maeByHorizonUsdPerMwh;
    console.log(
      `${r.name.padEnd(16)} ${fmt(r.maeUsdPerMwh)}  ${fmt(h['0-1h']!)}  ${fmt(h['1-6h']!)}  ${fmt(h['6-24h']!)}  | ${fmt(r.spikeByProbability.precision)}/${fmt(r.spikeByProbability.recall)} | ${fmt(r.spikeByPoint.precision)}/${fmt(r.spikeByPoint.recall)}`,
    );
  }
  if (values.out) writeFileSync(values.out, JSON.stringify({ horizonSteps, everySteps, results }, null, 2));
}

runCli(evaluateCli, evaluate);
