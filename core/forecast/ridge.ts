import { dayAheadKnownEnd } from '../market-data/known-at.js';
import { localWallMinutes } from '../market-data/time-zone.js';
import { fitLogistic, fitRidge, type LinearModel, linearScore, sigmoid } from './linear.js';
import { samePhaseLag, seasonalNaiveForecaster } from './seasonal-naive.js';
import { type PriceForecast, type PriceForecaster, type PriceHistory, SPIKE_THRESHOLD_USD_PER_MWH } from './types.js';

export interface RidgeForecasterOptions {
  /** Days of history before the refit time used to fit. @default 28 */
  readonly trainingDays?: number;
  /** Refit at most this often (models are cached between refits). @default 6 */
  readonly refitHours?: number;
  /** Ridge penalty on standardised features. @default 1 */
  readonly lambda?: number;
  /**
   * Penalty of the spike classifier. 28 days hold a handful of spikes, nearly separable: at 1 the classifier said
   * p ≈ 1 for 705 intervals of which one spiked (Brier 0.0575 against 0.0027 for the base rate, 2024-11..2025-03);
   * at 100 its Brier is 0.0028 (both measured on the undamped fit that could diverge; after fitLogistic's step halving
   * 0.00304 at 100 against 0.00275, sim/backtest/README.md). @default 100
   */
  readonly spikeLambda?: number;
  /** Spacing of the training forecast origins. @default 60 */
  readonly originStrideMinutes?: number;
  /** Scale of the asinh target transform, $/MWh: linear below it, logarithmic above. @default 20 */
  readonly asinhScaleUsdPerMwh?: number;
  /** Time zone of the time-of-day and weekday features. @default 'America/Chicago' */
  readonly timeZone?: string;
  /**
   * Local time at which the day-ahead market for the next operating day has cleared (ERCOT posts DAM results about
   * 13:30 Central), used to decide which day-ahead prices a training origin could have seen. @default 810 (13:30)
   */
  readonly dayAheadPublishedMinuteOfDay?: number;
}

const DEFAULTS: Required<RidgeForecasterOptions> = {
  trainingDays: 28,
  refitHours: 6,
  lambda: 1,
  spikeLambda: 100,
  originStrideMinutes: 60,
  asinhScaleUsdPerMwh: 20,
  timeZone: 'America/Chicago',
  dayAheadPublishedMinuteOfDay: 13 * 60 + 30,
};

/** Horizon buckets, in hours, each with its own regression: the weight of recent prices falls off with lead time. */
const HORIZON_BUCKETS_HOURS: readonly (readonly [number, number])[] = [
  [0, 1],
  [1, 6],
  [6, 24],
  [24, Number.POSITIVE_INFINITY],
];
/** Lead times sampled for training, in hours (the upper buckets are sampled, not exhaustive, to keep fits fast). */
const TRAINING_LEADS_HOURS = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 5, 7, 9, 12, 15, 18, 21, 24, 30, 36, 42, 48];

interface Context {
  readonly history: PriceHistory;
  readonly stepsPerDay: number;
  readonly stepMs: number;
  readonly scale: number;
  readonly timeZone: string;
}

/**
 * Features of target interval `target` for a forecast made at `origin` (first unknown index). `rtKnownEnd` is the
 * first index of real-time price unavailable at origin; `daKnownEnd` and `temperatureKnownEnd` likewise.
 */
function features(
  ctx: Context,
  origin: number,
  target: number,
  daKnownEnd: number,
  temperatureKnownEnd: number,
): number[] {
  const { history, stepsPerDay, scale } = ctx;
  const rt = history.rtUsdPerMwh;
  // Only indexes below `origin` are read: the training view holds later prices too.
  const known = rt;
  const t = (v: number) => Math.asinh(v / scale);
  const leadHours = ((target - origin + 1) * history.stepMinutes) / 60;
  const atMs = history.startMs + target * ctx.stepMs;
  const local = localWallMinutes(atMs, ctx.timeZone);
  const dayPhase = (((local % 1440) + 1440) % 1440) / 1440;
  const weekday = Math.floor(local / 1440 + 4) % 7; // 1970-01-01 was a Thursday (4)
  const weekend = weekday === 0 || weekday === 6 ? 1 : 0;
  const last = t(known[origin - 1] ?? 0);
  let recent = 0;
  const recentSteps = Math.min(origin, Math.max(1, Math.round(60 / history.stepMinutes)));
  for (let k = 1; k <= recentSteps; k += 1) recent += t(known[origin - k]!) / recentSteps;
  const dayLag = t(samePhaseLag(known, target, stepsPerDay, origin));
  const weekLag = origin >= 7 * stepsPerDay ? t(samePhaseLag(known, target, 7 * stepsPerDay, origin)) : dayLag;
  const da = history.daUsdPerMwh;
  const daAvailable = da !== undefined && target < daKnownEnd && da[target] !== undefined;
  const daValue = daAvailable ? t(da[target]!) : dayLag;
  const daAtOrigin = da?.[origin - 1] !== undefined && origin - 1 < daKnownEnd ? t(da[origin - 1]!) : recent;
  const temps = history.temperatureC;
  // Temperature past what is known is held at its last known value (persistence).
  const tempIndex = Math.min(target, temperatureKnownEnd - 1);
  const temperatureC = temps && tempIndex >= 0 ? (temps[tempIndex] ?? 15) : 15;
  const hdd = Math.max(0, 18 - temperatureC);
  const cdd = Math.max(0, temperatureC - 18);
  const gap = last - daAtOrigin;
  const row = [
    last * Math.exp(-leadHours / 1),
    last * Math.exp(-leadHours / 6),
    recent,
    gap * Math.exp(-leadHours / 2),
    gap * Math.exp(-leadHours / 12),
    dayLag,
    weekLag,
    daValue,
    daAvailable ? 1 : 0,
    weekend,
    hdd,
    hdd * hdd,
    cdd,
    leadHours / 24,
  ];
  for (let k = 1; k <= 3; k += 1) {
    row.push(Math.sin(2 * Math.PI * k * dayPhase), Math.cos(2 * Math.PI * k * dayPhase));
  }
  return row;
}

interface FittedModels {
  readonly byBucket: readonly (LinearModel | undefined)[];
  readonly spike: LinearModel | undefined;
}

function bucketOf(leadHours: number): number {
  return HORIZON_BUCKETS_HOURS.findIndex(([lo, hi]) => leadHours > lo && leadHours <= hi);
}

/** A training example: the features of one (origin, lead) sampled before the refit time, and its target index. */
interface TrainingRow {
  readonly row: number[];
  readonly target: number;
  readonly leadHours: number;
}

/**
 * The training examples of a fit at `refitIndex`: origins every `originStrideMinutes` over `trainingDays`, leads from
 * TRAINING_LEADS_HOURS up to `maxLeadHours`, each seeing what the known-at view's publication rule let it see.
 */
function trainingRows(
  ctx: Context,
  refitIndex: number,
  options: Required<RidgeForecasterOptions>,
  maxLeadHours = Number.POSITIVE_INFINITY,
): TrainingRow[] {
  const { history, stepsPerDay } = ctx;
  const stride = Math.max(1, Math.round(options.originStrideMinutes / history.stepMinutes));
  const firstOrigin = Math.max(stepsPerDay, refitIndex - options.trainingDays * stepsPerDay);
  const temperatureLead = Math.max(0, (history.temperatureC?.length ?? 0) - history.rtUsdPerMwh.length);
  const rules = {
    rtPublicationDelayMinutes: 0,
    dayAheadPublishedMinuteOfDay: options.dayAheadPublishedMinuteOfDay,
    timeZone: options.timeZone,
  };
  const out: TrainingRow[] = [];
  for (let origin = firstOrigin; origin < refitIndex; origin += stride) {
    // What a forecast made at this origin could have seen: the publication rule the known-at view applies.
    const daEnd = dayAheadKnownEnd(history, rules, history.startMs + origin * ctx.stepMs);
    for (const lead of TRAINING_LEADS_HOURS) {
      if (lead > maxLeadHours) break;
      const target = origin + Math.round((lead * 60) / history.stepMinutes) - 1;
      if (target >= refitIndex) break;
      const leadHours = ((target - origin + 1) * history.stepMinutes) / 60;
      out.push({ row: features(ctx, origin, target, daEnd, origin + temperatureLead), target, leadHours });
    }
  }
  return out;
}

function fitModels(ctx: Context, refitIndex: number, options: Required<RidgeForecasterOptions>): FittedModels {
  const rt = ctx.history.rtUsdPerMwh;
  const rows: number[][][] = HORIZON_BUCKETS_HOURS.map(() => []);
  const targets: number[][] = HORIZON_BUCKETS_HOURS.map(() => []);
  const spikeRows: number[][] = [];
  const spikeLabels: number[] = [];
  for (const { row, target, leadHours } of trainingRows(ctx, refitIndex, options)) {
    const bucket = bucketOf(leadHours);
    if (bucket < 0) continue;
    rows[bucket]!.push(row);
    targets[bucket]!.push(Math.asinh(rt[target]! / ctx.scale));
    spikeRows.push(row);
    spikeLabels.push(rt[target]! > SPIKE_THRESHOLD_USD_PER_MWH ? 1 : 0);
  }
  const minimumRows = 50;
  return {
    byBucket: rows.map((r, b) => (r.length >= minimumRows ? fitRidge(r, targets[b]!, options.lambda) : undefined)),
    spike: spikeRows.length >= minimumRows ? fitLogistic(spikeRows, spikeLabels, options.spikeLambda) : undefined,
  };
}

/**
 * The ridge's features for other models on the same inputs (core/forecast/breakeven-classifier.ts): the key of the
 * fit a forecast from `history` would make, its training examples (leads up to `maxLeadHours`; built when called, on a
 * cache miss) and the rows of the next `steps` intervals from the first unpublished one. Undefined with under 3 days of history.
 */
export function ridgeFeatureRows(
  history: PriceHistory,
  steps: number,
  maxLeadHours: number,
  options: RidgeForecasterOptions = {},
): { fitKey: string; training: () => TrainingRow[]; forecast: number[][] } | undefined {
  const settings: Required<RidgeForecasterOptions> = { ...DEFAULTS, ...options };
  const period = refitPeriod(history, settings);
  if (!period) return undefined;
  const { ctx, refitIndex } = period;
  const origin = history.rtUsdPerMwh.length;
  const daEnd = history.daUsdPerMwh?.length ?? 0;
  const temperatureEnd = history.temperatureC?.length ?? 0;
  return {
    fitKey: fitKey(history, refitIndex, settings),
    training: () => trainingRows(ctx, refitIndex, settings, maxLeadHours),
    forecast: Array.from({ length: steps }, (_, i) => features(ctx, origin, origin + i, daEnd, temperatureEnd)),
  };
}

/** A cheap fingerprint of the data a fit depends on, so a cached model is reused only for the same inputs. */
function fingerprint(values: readonly number[] | undefined, from: number, to: number): number {
  if (!values) return 0;
  let hash = 0;
  for (let i = Math.max(0, from); i < Math.min(to, values.length); i += 1) {
    hash = (hash * 31 + Math.round(values[i]! * 1000)) % 2_147_483_647;
  }
  return hash;
}

/**
 * A learned forecaster: per-horizon-bucket ridge regressions on an asinh-transformed price (prices are heavy-tailed
 * and sometimes negative; asinh is linear near zero and logarithmic in the tails, so a $3,000 spike does not dominate
 * the fit), with features: recent prices decaying with lead time, the real-time − day-ahead gap, the same interval a
 * day and a week ago, the day-ahead price where published, weekend, heating/cooling degrees and daily Fourier terms
 * in Central time. A logistic regression on the same features gives P(price > $200/MWh).
 *
 * Fits use only data before the refit time (the forecast time rounded down to `refitHours`), over `trainingDays`.
 * Fitted models are cached per refit time, so re-forecasting every 5 minutes costs one feature pass per call.
 */
export function createRidgeForecaster(options: RidgeForecasterOptions = {}): PriceForecaster {
  const settings: Required<RidgeForecasterOptions> = { ...DEFAULTS, ...options };
  const cache = new Map<string, FittedModels>();
  return {
    name: 'ridge',
    forecast(history: PriceHistory, steps: number): PriceForecast {
      const period = refitPeriod(history, settings);
      if (!period) return { ...seasonalNaiveForecaster.forecast(history, steps) };
      const { ctx, refitIndex } = period;
      const key = fitKey(history, refitIndex, settings);
      let models = cache.get(key);
      if (!models) {
        models = fitModels(ctx, refitIndex, settings);
        if (cache.size >= 16) cache.delete(cache.keys().next().value as string);
        cache.set(key, models);
      }
      return forecastWith(ctx, models, steps);
    },
  };
}

/** What a fit at `refitIndex` depends on, so a cached model is reused only for the same inputs. */
function fitKey(history: PriceHistory, refitIndex: number, settings: Required<RidgeForecasterOptions>): string {
  const stepsPerDay = Math.round(1440 / history.stepMinutes);
  const from = refitIndex - settings.trainingDays * stepsPerDay - 7 * stepsPerDay;
  const temperatureLead = Math.max(0, (history.temperatureC?.length ?? 0) - history.rtUsdPerMwh.length);
  return [
    history.startMs,
    history.stepMinutes,
    refitIndex,
    temperatureLead,
    fingerprint(history.rtUsdPerMwh, from, refitIndex),
    fingerprint(history.daUsdPerMwh, from, refitIndex + 2 * stepsPerDay),
    fingerprint(history.temperatureC, from, refitIndex + temperatureLead),
  ].join('|');
}

/** The refit time of a forecast from `history` (its start rounded down to `refitHours`); none with under 3 days. */
function refitPeriod(history: PriceHistory, settings: Required<RidgeForecasterOptions>) {
  const stepMs = history.stepMinutes * 60_000;
  const stepsPerDay = Math.round(1440 / history.stepMinutes);
  const startMs = history.startMs + history.rtUsdPerMwh.length * stepMs;
  const refitMs = settings.refitHours * 3_600_000;
  const refitIndex = Math.floor((Math.floor(startMs / refitMs) * refitMs - history.startMs) / stepMs);
  if (refitIndex < 3 * stepsPerDay) return undefined;
  const ctx: Context = {
    history,
    stepsPerDay,
    stepMs,
    scale: settings.asinhScaleUsdPerMwh,
    timeZone: settings.timeZone,
  };
  return { ctx, refitIndex, stepsPerDay };
}

function forecastWith(ctx: Context, models: FittedModels, steps: number): PriceForecast {
  const { history } = ctx;
  const origin = history.rtUsdPerMwh.length;
  const startMs = history.startMs + origin * ctx.stepMs;
  const naive = seasonalNaiveForecaster.forecast(history, steps);
  const daEnd = history.daUsdPerMwh?.length ?? 0;
  const temperatureEnd = history.temperatureC?.length ?? 0;
  const point: number[] = [];
  const spike: number[] = [];
  for (let i = 0; i < steps; i += 1) {
    const target = origin + i;
    const row = features(ctx, origin, target, daEnd, temperatureEnd);
    const model = models.byBucket[bucketOf(((i + 1) * history.stepMinutes) / 60)];
    // sinh of the mean in asinh space: near the median of a heavy-tailed price, below its mean. Measured on mpc
    // over 2025-02-15..25 (issue 19) and not kept: planning on the mean, (1 − q)·median + q·E[p | spike] with the
    // classifier's q (then at λ = 1, far from calibrated), lost $22,000 of $31,000 of oracle uplift; features of
    // the last price's excess over $200 (so a spike may revert faster than a price persists) changed −$105. Measured
    // again as a wrapper (core/forecast/expected-price.ts, 4th session, classifier at λ = 100): −$77,637 in November
    // 2024 on the undamped logistic fit, +$6,075 after its fix (one onset interval) and −$303..−$930 in each other
    // month; with a time-of-day spike share instead, −$4,153 (sim/backtest/README.md).
    point.push(model ? Math.sinh(linearScore(model, row)) * ctx.scale : naive.pointUsdPerMwh[i]!);
    spike.push(models.spike ? sigmoid(linearScore(models.spike, row)) : naive.spikeProbability[i]!);
  }
  return { startMs, stepMinutes: history.stepMinutes, pointUsdPerMwh: point, spikeProbability: spike };
}

/**
 * A fit made ahead of the forecasts that use it (the deployed planner's scheduled refit): the models, the refit time
 * they belong to and their training window. Plain data, so it can be stored.
 */
export interface RidgeFit {
  /** The refit time: forecasts starting from it until the next refit use this fit. */
  readonly refitAtMs: number;
  readonly fitFromMs: number;
  readonly stepMinutes: number;
  readonly models: {
    readonly byBucket: readonly (LinearModel | null)[];
    readonly spike: LinearModel | null;
  };
}

/**
 * The fit `createRidgeForecaster` would make for a forecast from `history`: the same refit time, training window and
 * models. Undefined with under 3 days of history (the forecaster is then seasonal naive).
 */
export function fitRidgeForecaster(history: PriceHistory, options: RidgeForecasterOptions = {}): RidgeFit | undefined {
  const settings: Required<RidgeForecasterOptions> = { ...DEFAULTS, ...options };
  const period = refitPeriod(history, settings);
  if (!period) return undefined;
  const { ctx, refitIndex, stepsPerDay } = period;
  const models = fitModels(ctx, refitIndex, settings);
  const firstOrigin = Math.max(stepsPerDay, refitIndex - settings.trainingDays * stepsPerDay);
  return {
    refitAtMs: history.startMs + refitIndex * ctx.stepMs,
    fitFromMs: history.startMs + firstOrigin * ctx.stepMs,
    stepMinutes: history.stepMinutes,
    models: { byBucket: models.byBucket.map((m) => m ?? null), spike: models.spike ?? null },
  };
}

/** A ridge forecaster that forecasts with a stored fit and never refits (a dispatch must not wait on a fit). */
export function ridgeForecasterFromFit(fit: RidgeFit, options: RidgeForecasterOptions = {}): PriceForecaster {
  const settings: Required<RidgeForecasterOptions> = { ...DEFAULTS, ...options };
  const models: FittedModels = {
    byBucket: fit.models.byBucket.map((m) => m ?? undefined),
    spike: fit.models.spike ?? undefined,
  };
  return {
    name: 'ridge',
    forecast(history: PriceHistory, steps: number): PriceForecast {
      if (history.stepMinutes !== fit.stepMinutes) {
        throw new RangeError(`ridge fit is on a ${fit.stepMinutes}-minute grid, history on ${history.stepMinutes}`);
      }
      const stepsPerDay = Math.round(1440 / history.stepMinutes);
      const ctx: Context = {
        history,
        stepsPerDay,
        stepMs: history.stepMinutes * 60_000,
        scale: settings.asinhScaleUsdPerMwh,
        timeZone: settings.timeZone,
      };
      return forecastWith(ctx, models, steps);
    },
  };
}
