import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createRidgeForecaster } from '../../core/forecast/ridge.js';
import { dayAheadNaiveForecaster, seasonalNaiveForecaster } from '../../core/forecast/seasonal-naive.js';
import { type PriceForecaster, SPIKE_THRESHOLD_USD_PER_MWH } from '../../core/forecast/types.js';
import { dayAheadKnownEnd, ERCOT_PUBLICATION } from '../../core/market-data/known-at.js';
import { readPriceFile, SHARED_PRICE_FILE } from '../data/market-files.js';

/**
 * Rolling-origin evaluation: at each origin every forecaster sees real-time prices before it, day-ahead prices only
 * for operating days whose DAM had cleared (13:30 Central the day before), and temperature only up to the origin
 * (persistence beyond it). Spikes are scored with spikeProbability ≥ 0.5 and, separately, point ≥ $200/MWh.
 */
const { values } = parseArgs({
  options: {
    prices: { type: 'string', default: SHARED_PRICE_FILE },
    'horizon-hours': { type: 'string', default: '24' },
    'every-hours': { type: 'string', default: '6' },
    'warmup-days': { type: 'string', default: '14' },
    out: { type: 'string' },
  },
});
const series = readPriceFile(values.prices!, 15);
const stepMinutes = series.rtUsdPerMwh.stepMinutes;
const rt = series.rtUsdPerMwh.values;
const da = series.daUsdPerMwh?.values;
const temperature = series.temperatureC?.values;
const startMs = series.rtUsdPerMwh.startMs;
const horizonSteps = Math.round((Number(values['horizon-hours']) * 60) / stepMinutes);
const everySteps = Math.round((Number(values['every-hours']) * 60) / stepMinutes);
const firstOrigin = Math.round((Number(values['warmup-days']) * 1440) / stepMinutes);

const dayAheadEnd = (origin: number) =>
  dayAheadKnownEnd({ startMs, stepMinutes }, ERCOT_PUBLICATION, startMs + origin * stepMinutes * 60_000);

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
