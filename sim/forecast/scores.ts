import { type PriceForecaster, SPIKE_THRESHOLD_USD_PER_MWH } from '../../core/forecast/types.js';
import { knownAt, type MarketRecord } from '../../core/market-data/known-at.js';

/** Lead-time buckets of the MAE, in hours (lo, hi]. */
export const LEAD_BUCKETS = [
  ['0-1h', 0, 1],
  ['1-6h', 1, 6],
  ['6-24h', 6, 24],
  ['24h+', 24, Number.POSITIVE_INFINITY],
] as const;
/** Reliability bins of the spike probability, [lo, hi). */
export const RELIABILITY_BINS = [0, 0.01, 0.05, 0.1, 0.2, 0.5, 1.000001];

export interface ScoringWindow {
  /** First decision index on the record's grid (earlier data is warm-up). */
  readonly firstOrigin: number;
  readonly horizonSteps: number;
  readonly everySteps: number;
}

/** Calibration of a probability forecast of an event: Brier score, the base rate's, and the reliability table. */
export class ProbabilityTally {
  private brierSum = 0;
  private count = 0;
  private readonly bins = RELIABILITY_BINS.slice(1).map(() => ({ n: 0, predicted: 0, observed: 0 }));

  add(probability: number, happened: boolean): void {
    this.brierSum += (probability - (happened ? 1 : 0)) ** 2;
    this.count += 1;
    const bin =
      this.bins[RELIABILITY_BINS.findIndex((lo, k) => probability >= lo && probability < RELIABILITY_BINS[k + 1]!)]!;
    bin.n += 1;
    bin.predicted += probability;
    bin.observed += happened ? 1 : 0;
  }

  result() {
    const baseRate = this.bins.reduce((a, b) => a + b.observed, 0) / Math.max(1, this.count);
    return {
      count: this.count,
      baseRate,
      brier: this.brierSum / Math.max(1, this.count),
      /** Brier score of always forecasting the base rate: a skilful forecaster scores below it. */
      brierClimatology: baseRate * (1 - baseRate),
      reliability: this.bins.map((b, k) => ({
        from: RELIABILITY_BINS[k]!,
        to: Math.min(1, RELIABILITY_BINS[k + 1]!),
        count: b.n,
        meanPredicted: b.n > 0 ? b.predicted / b.n : null,
        observedFrequency: b.n > 0 ? b.observed / b.n : null,
      })),
    };
  }
}

interface Tally {
  tp: number;
  fp: number;
  fn: number;
}

/**
 * Rolling-origin scores of one forecaster through the known-at view: at each decision time it is handed
 * `knownAt(record, t)` and scored on the intervals from t on (the intervals between the last published price and t are
 * forecast too, as mpc forecasts them, but not scored). MAE by lead; the spike probability's Brier score against
 * climatology (always the base rate) and its reliability table; spike detection by probability ≥ 0.5 and by point ≥ the
 * threshold.
 */
export function scoreForecaster(record: MarketRecord, forecaster: PriceForecaster, window: ScoringWindow) {
  const { stepMinutes, startMs } = record;
  const rt = record.rtUsdPerMwh;
  const stepMs = stepMinutes * 60_000;
  const abs = LEAD_BUCKETS.map(() => ({ sum: 0, n: 0 }));
  const byProbability: Tally = { tp: 0, fp: 0, fn: 0 };
  const byPoint: Tally = { tp: 0, fp: 0, fn: 0 };
  const spikes = new ProbabilityTally();
  let origins = 0;
  const began = Date.now();
  for (let origin = window.firstOrigin; origin + window.horizonSteps <= rt.length; origin += window.everySteps) {
    origins += 1;
    const view = knownAt(record, startMs + origin * stepMs);
    const lead = origin - view.rtUsdPerMwh.length;
    const forecast = forecaster.forecast(view, lead + window.horizonSteps);
    for (let i = 0; i < window.horizonSteps; i += 1) {
      const actual = rt[origin + i]!;
      const leadHours = ((i + 1) * stepMinutes) / 60;
      const b = LEAD_BUCKETS.findIndex(([, lo, hi]) => leadHours > lo && leadHours <= hi);
      const point = forecast.pointUsdPerMwh[lead + i]!;
      abs[b]!.sum += Math.abs(point - actual);
      abs[b]!.n += 1;
      const spike = actual > SPIKE_THRESHOLD_USD_PER_MWH;
      const q = forecast.spikeProbability[lead + i]!;
      spikes.add(q, spike);
      for (const [tally, flagged] of [
        [byProbability, q >= 0.5],
        [byPoint, point >= SPIKE_THRESHOLD_USD_PER_MWH],
      ] as const) {
        if (flagged && spike) tally.tp += 1;
        else if (flagged) tally.fp += 1;
        else if (spike) tally.fn += 1;
      }
    }
  }
  const total = abs.reduce((a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }), { sum: 0, n: 0 });
  const pr = (t: Tally) => ({
    precision: t.tp + t.fp > 0 ? t.tp / (t.tp + t.fp) : 0,
    recall: t.tp + t.fn > 0 ? t.tp / (t.tp + t.fn) : 0,
    ...t,
  });
  const calibration = spikes.result();
  return {
    origins,
    maeUsdPerMwh: total.sum / total.n,
    maeByHorizonUsdPerMwh: Object.fromEntries(LEAD_BUCKETS.map(([label], b) => [label, abs[b]!.sum / abs[b]!.n])),
    spikeBrier: calibration.brier,
    spikeBrierClimatology: calibration.brierClimatology,
    spikeReliability: calibration.reliability,
    spikeByProbability: pr(byProbability),
    spikeByPoint: pr(byPoint),
    runtimeMs: Date.now() - began,
  };
}
