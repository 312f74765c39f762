import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { HashpriceDay, PriceSeries } from '../../core/market-data/series.js';
import type { BitcoinModel } from '../../core/synthetic/bitcoin.js';
import { type LocalCalendar, localCalendar, MS_PER_DAY } from '../../core/synthetic/calendar.js';
import { type Calibration, calibrationSchema } from '../../core/synthetic/calibration.js';
import { streamRng } from '../../core/synthetic/draws.js';
import { normalScore, type PriceModel, PriceProcess, type TemperatureModel } from '../../core/synthetic/price-model.js';
import { marketScenarioSchema } from '../../core/synthetic/scenario.js';
import {
  autocorrelation,
  leastSquares,
  mean,
  normalQuantile,
  quantile,
  runLengthsAbove,
  sortedCopy,
  standardDeviation,
} from '../../core/synthetic/stats.js';
import { type CliSpec, runCli } from '../cli/args.js';
import { ERCOT_PRICE_FILE, HASHPRICE_FILE, readHashpriceFile, readPriceFile } from '../data/market-files.js';
import { CALIBRATION_FILE } from './calibration-file.js';

const STEP_MINUTES = 15;
const STEPS_PER_DAY = (24 * 60) / STEP_MINUTES;
const TIME_ZONE = 'America/Chicago';
/** Intervals above $100/MWh are scarcity: the same line the fidelity check counts spikes at. */
const SPIKE_THRESHOLD_USD_PER_MWH = 100;
/** 65 °F, the usual degree-day base (NOAA); cooling from 24 °C where Texas air conditioning load takes off. */
const HEATING_BASE_C = 18;
const COOLING_BASE_C = 24;
/** See fitPriceModel: the shared file's temperature column appears to be on UTC. */
const TEMPERATURE_SHIFT_HOURS = 6;
/** Knots of the base quantile function: dense in the tails, where negative hours and the run-up to spikes live. */
const KNOT_PROBABILITIES = [
  0, 0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7,
  0.75, 0.8, 0.85, 0.9, 0.925, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999, 1,
];

/** Priors for what a November–March file cannot show; each says where the number comes from. */
const PRIORS = {
  'price.coolingZPerDegC':
    'prior 0.06 per °C above 24 °C: the file holds no summer; order of the ERCOT summer price-temperature slope',
  'price.spike.coolingHazardPerDegC': 'prior 0.12 per °C above 24 °C: summer evening scarcity grows with heat',
  'price.temperature.annualAmplitudeC':
    'prior 7.5 °C, warmest day 205: NOAA 1991–2020 normals for Corpus Christi (Jan ≈ 14 °C, Jul–Aug ≈ 29.5 °C)',
  'price.temperature.anomalySummerScale':
    'prior 0.5: summer weather varies about half as much day to day as the winter fronts in the file',
  'price.temperature (timing)':
    'the file’s temperature is read 6 h later than labelled: its daily maximum sits at ~21:00 local, which fits UTC',
  'bitcoin.calibratedDriftPerDay': 'recorded only; scenarios default to zero drift rather than extrapolate 2020–25',
};

const knots = (sorted: readonly number[]) => ({
  probabilities: KNOT_PROBABILITIES,
  values: KNOT_PROBABILITIES.map((p) => Math.round(quantile(sorted, p) * 100) / 100),
});

function pairCorrelation(pairs: ReadonlyArray<readonly [number, number]>): number {
  const xs = pairs.map((p) => p[0]);
  const ys = pairs.map((p) => p[1]);
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  pairs.forEach(([x, y]) => {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

function fitTemperature(temperatureC: readonly number[], hours: readonly number[], days: readonly number[]) {
  const annualAmplitudeC = 7.5;
  const warmestDayOfYear = 205;
  const annual = days.map((d) => annualAmplitudeC * Math.cos((2 * Math.PI * (d - warmestDayOfYear)) / 365.25));
  const rows = hours.map((h) => [1, Math.cos((2 * Math.PI * h) / 24), Math.sin((2 * Math.PI * h) / 24)]);
  const [annualMeanC, a, b] = leastSquares(
    rows,
    temperatureC.map((t, i) => t - annual[i]!),
  ) as [number, number, number];
  const diurnalAmplitudeC = Math.hypot(a, b);
  const warmestHour = ((((Math.atan2(b, a) * 24) / (2 * Math.PI)) % 24) + 24) % 24;
  const anomaly = temperatureC.map(
    (t, i) =>
      t - annual[i]! - annualMeanC - diurnalAmplitudeC * Math.cos((2 * Math.PI * (hours[i]! - warmestHour)) / 24),
  );
  const model: TemperatureModel = {
    annualMeanC: round(annualMeanC, 2),
    annualAmplitudeC,
    warmestDayOfYear,
    diurnalAmplitudeC: round(diurnalAmplitudeC, 2),
    warmestHour: round(warmestHour, 2),
    anomalyPhi: round(autocorrelation(anomaly, 1), 5),
    anomalySigmaC: round(standardDeviation(anomaly), 3),
    anomalySummerScale: 0.5,
  };
  return model;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Entry hazard of scarcity from the base regime, by local hour, with three covariates: heating degrees, the previous
 * interval's base normal score (scarcity grows out of a tight system: in the real file the two intervals before a
 * spike average ~$78/MWh), and whether scarcity held at the same time the day before (fitted: 0, kept so a refit on
 * other data can find it). Profile likelihood over a grid of the three coefficients; the hourly rates are shrunk
 * toward the all-hours rate with the weight of 200 intervals (two days of one hour), since five months hold only a
 * few dozen episodes.
 */
function fitEntryHazard(
  isEvent: readonly boolean[],
  calendars: readonly LocalCalendar[],
  heatingDeg: readonly number[],
  g: readonly number[],
) {
  const starts = new Array<number>(24).fill(0);
  const exposureIndex: number[] = [];
  for (let i = 1; i < isEvent.length; i++) {
    if (isEvent[i - 1]) continue;
    exposureIndex.push(i);
    if (isEvent[i]) starts[calendars[i]!.hour]! += 1;
  }
  const totalStarts = starts.reduce((a, b) => a + b, 0);
  const shrinkage = 200;
  const yesterday = (i: number) => (i >= STEPS_PER_DAY && isEvent[i - STEPS_PER_DAY] ? 1 : 0);
  const covariate = (i: number, gamma: number, kappa: number, memory: number) =>
    Math.exp(gamma * heatingDeg[i]! + kappa * g[i - 1]! + memory * yesterday(i));
  const hazardFor = (gamma: number, kappa: number, memory: number) => {
    const weightByHour = new Array<number>(24).fill(0);
    exposureIndex.forEach((i) => {
      weightByHour[calendars[i]!.hour]! += covariate(i, gamma, kappa, memory);
    });
    const allRate = totalStarts / weightByHour.reduce((a, b) => a + b, 0);
    return starts.map((s, h) => (s + shrinkage * allRate) / (weightByHour[h]! + shrinkage));
  };
  let best = { gamma: 0, kappa: 0, memory: 0, logLikelihood: Number.NEGATIVE_INFINITY };
  for (let memory = 0; memory <= 4.001; memory += 0.5) {
    for (let gamma = -0.3; gamma <= 0.3001; gamma += 0.03) {
      for (let kappa = 0; kappa <= 3.001; kappa += 0.1) {
        const rates = hazardFor(gamma, kappa, memory);
        let ll = 0;
        for (const i of exposureIndex) {
          const p = Math.min(0.999, rates[calendars[i]!.hour]! * covariate(i, gamma, kappa, memory));
          ll += isEvent[i] ? Math.log(p) : Math.log(1 - p);
        }
        if (ll > best.logLikelihood) best = { gamma, kappa, memory, logLikelihood: ll };
      }
    }
  }
  return {
    entryProbabilityByHour: hazardFor(best.gamma, best.kappa, best.memory).map((p) => round(p, 8)),
    heatingHazardPerDegC: round(best.gamma, 2),
    hazardPerBaseZ: round(best.kappa, 2),
    hazardIfYesterday: round(best.memory, 2),
  };
}

/**
 * Fits the price model to a 15-minute real-time/day-ahead/temperature series (see price-model.ts for the model).
 * Method, in order: label scarcity (RT > $100); quantile knots of the rest; their normal scores g; OLS of g on
 * hour-of-day dummies, a weekend dummy and heating degrees; a per-day amplitude of the daily shape (daily AR(1));
 * the remaining residual's autocorrelation fitted by two OU factors plus hour-of-day effects plus white jitter; the
 * scarcity hazard (fitEntryHazard); geometric durations (mean run length); a Pareto tail by the Hill estimator; spike
 * persistence from the lag-1 correlation of spike normal scores; day-ahead as OLS of its normal score on the hourly
 * expected base score known a day ahead, with AR(1) hourly noise; temperature (fitTemperature).
 */
export function fitPriceModel(series: PriceSeries): PriceModel {
  const rt = series.rtUsdPerMwh.values;
  const da = series.daUsdPerMwh?.values;
  const rawTemperature = series.temperatureC?.values;
  if (!da || !rawTemperature) throw new Error('the calibration file needs day-ahead and temperature columns');
  // The file's temperature peaks at ~21:00 local, six hours after a Gulf-coast afternoon maximum: its timestamps
  // look like UTC labelled as local time. Read it six hours later (the last six hours hold the final value).
  const shiftSteps = Math.round((TEMPERATURE_SHIFT_HOURS * 60) / series.rtUsdPerMwh.stepMinutes);
  const temperature = rawTemperature.map(
    (_, i) => rawTemperature[Math.min(i + shiftSteps, rawTemperature.length - 1)]!,
  );
  const stepMs = series.rtUsdPerMwh.stepMinutes * 60_000;
  const calendars = rt.map((_, i) => localCalendar(series.rtUsdPerMwh.startMs + i * stepMs, TIME_ZONE));
  const isSpike = rt.map((p) => p > SPIKE_THRESHOLD_USD_PER_MWH);
  const isBase = rt.map((_, i) => !isSpike[i]);
  const baseSorted = sortedCopy(rt.filter((_, i) => isBase[i]));
  const g = rt.map((p) => normalScore(baseSorted, p));
  const heatingDeg = temperature.map((t) => Math.max(0, HEATING_BASE_C - t));
  const base = rt.map((_, i) => i).filter((i) => isBase[i]);

  // Seasonal and temperature terms.
  const design = (i: number) => {
    const row = new Array<number>(26).fill(0);
    row[calendars[i]!.hour] = 1;
    row[24] = calendars[i]!.dayOfWeek === 0 || calendars[i]!.dayOfWeek === 6 ? 1 : 0;
    row[25] = heatingDeg[i]!;
    return row;
  };
  const beta = leastSquares(
    base.map(design),
    base.map((i) => g[i]!),
  );
  const fitted = (i: number) => design(i).reduce((sum, x, k) => sum + x * beta[k]!, 0);
  const firstResidual = new Map(base.map((i) => [i, g[i]! - fitted(i)]));

  // Day-to-day amplitude of the daily shape (a sunny, windy day flattens it): per local day, the OLS coefficient of
  // the residual on the centred hour means; a daily AR(1) of those coefficients.
  const hourMeanAverage = mean(beta.slice(0, 24));
  const shape = (i: number) => beta[calendars[i]!.hour]! - hourMeanAverage;
  const dayOf = (i: number) => calendars[i]!.localDate;
  const sums = new Map<string, { xy: number; xx: number }>();
  base.forEach((i) => {
    const entry = sums.get(dayOf(i)) ?? { xy: 0, xx: 0 };
    entry.xy += firstResidual.get(i)! * shape(i);
    entry.xx += shape(i) ** 2;
    sums.set(dayOf(i), entry);
  });
  const amplitudeByDay = new Map([...sums].map(([day, { xy, xx }]) => [day, xx > 0 ? xy / xx : 0]));
  const amplitudes = [...amplitudeByDay.values()];
  const residual = new Map(base.map((i) => [i, firstResidual.get(i)! - amplitudeByDay.get(dayOf(i))! * shape(i)]));

  // Slow and fast mean reversion: the residual's autocorrelation is fitted as a·φs^k + b·φf^k (two OU factors)
  // + c·(hour-of-day effect: φd^(k/96) at whole days, the within-hour overlap (4 − k)/4 below an hour) plus white
  // jitter 1 − a − b − c, by least squares over lags from 15 minutes to three days (grid over φs, φf, φd; a, b, c
  // solved linearly for each triple).
  const lags = [1, 2, 3, 4, 8, 16, 32, 48, 64, 96, 144, 192, 288];
  const residualVariance = mean([...residual.values()].map((r) => r * r));
  const acfAt = lags.map((lag) => {
    let total = 0;
    let count = 0;
    residual.forEach((r, i) => {
      const earlier = residual.get(i - lag);
      if (earlier !== undefined) {
        total += r * earlier;
        count++;
      }
    });
    return total / count / residualVariance;
  });
  const hourEffectColumn = (k: number, dailyPhi: number) =>
    k % 96 === 0 ? dailyPhi ** (k / 96) : k < 4 ? (4 - k) / 4 : 0;
  let ou = { error: Number.POSITIVE_INFINITY, slowPhi: 0, fastPhi: 0, dailyPhi: 0, a: 0, b: 0, c: 0 };
  for (let dailyPhi = 0.1; dailyPhi < 0.96; dailyPhi += 0.1) {
    for (let slowPerDay = 0.05; slowPerDay < 0.99; slowPerDay += 0.02) {
      const slowPhi = slowPerDay ** (1 / 96);
      for (let fastPhi = 0.5; fastPhi < 0.999; fastPhi += 0.005) {
        const rows = lags.map((k) => [slowPhi ** k, fastPhi ** k, hourEffectColumn(k, dailyPhi)]);
        let a: number;
        let b: number;
        let c: number;
        try {
          [a, b, c] = leastSquares(rows, acfAt) as [number, number, number];
        } catch {
          continue;
        }
        if (a < 0 || b < 0 || c < 0 || a + b + c > 1) continue;
        const error = rows.reduce((sum, row, j) => sum + (a * row[0]! + b * row[1]! + c * row[2]! - acfAt[j]!) ** 2, 0);
        if (error < ou.error) ou = { error, slowPhi, fastPhi, dailyPhi, a, b, c };
      }
    }
  }

  // Scarcity regime (RT > $100), entered from the base regime.
  const scarcityHazard = fitEntryHazard(isSpike, calendars, heatingDeg, g);
  const runs = runLengthsAbove(rt, SPIKE_THRESHOLD_USD_PER_MWH);
  const spikeValues = rt.filter((p) => p > SPIKE_THRESHOLD_USD_PER_MWH);
  const paretoAlpha =
    spikeValues.length / spikeValues.reduce((s, p) => s + Math.log(p / SPIKE_THRESHOLD_USD_PER_MWH), 0);
  const spikeScore = (p: number) => normalQuantile(1 - (p / SPIKE_THRESHOLD_USD_PER_MWH) ** -paretoAlpha);
  const pairsWithin = (inRegime: boolean[], score: (p: number) => number) => {
    const pairs: Array<readonly [number, number]> = [];
    for (let i = 1; i < rt.length; i++) {
      if (inRegime[i] && inRegime[i - 1]) pairs.push([score(rt[i - 1]!), score(rt[i]!)]);
    }
    return pairs;
  };
  const spikePairs = pairsWithin(isSpike, spikeScore);

  // Day-ahead: one observation per local hour.
  const daSorted = sortedCopy(da);
  const hourStarts = base.filter((i) => calendars[i]!.minute === 0);
  // What is known a day ahead: seasonal and temperature terms, the day's level and the day's shape amplitude.
  const dayLevel = new Map<string, number[]>();
  base.forEach((i) => {
    const list = dayLevel.get(dayOf(i)) ?? [];
    list.push(firstResidual.get(i)!);
    dayLevel.set(dayOf(i), list);
  });
  const dayMean = new Map([...dayLevel].map(([day, values]) => [day, mean(values)]));
  const expected = hourStarts.map((i) => fitted(i) + dayMean.get(dayOf(i))! + amplitudeByDay.get(dayOf(i))! * shape(i));
  const daScores = hourStarts.map((i) => normalScore(daSorted, da[i]!));
  const [interceptZ, slope] = leastSquares(
    expected.map((x) => [1, x]),
    daScores,
  ) as [number, number];
  const daNoise = daScores.map((y, k) => y - interceptZ - slope * expected[k]!);

  return {
    node: 'HB_SOUTH',
    timeZone: TIME_ZONE,
    stepMinutes: series.rtUsdPerMwh.stepMinutes,
    baseQuantiles: knots(baseSorted),
    hourMeanZ: beta.slice(0, 24).map((b) => round(b, 4)),
    weekendShiftZ: round(beta[24]!, 4),
    heatingBaseC: HEATING_BASE_C,
    coolingBaseC: COOLING_BASE_C,
    heatingZPerDegC: round(beta[25]!, 4),
    coolingZPerDegC: 0.06,
    shapeAmplitudePhiPerDay: round(Math.max(0, autocorrelation(amplitudes, 1)), 4),
    shapeAmplitudeSigma: round(standardDeviation(amplitudes), 4),
    slowPhiPerDay: round(ou.slowPhi ** 96, 4),
    slowSigmaZ: round(Math.sqrt(ou.a * residualVariance), 4),
    fastPhi: round(ou.fastPhi, 4),
    fastSigmaZ: round(Math.sqrt(ou.b * residualVariance), 4),
    jitterSigmaZ: round(Math.sqrt(Math.max(0, 1 - ou.a - ou.b - ou.c) * residualVariance), 4),
    hourEffectPhiPerDay: round(ou.dailyPhi, 2),
    hourEffectSigmaZ: round(Math.sqrt(ou.c * residualVariance), 4),
    spike: {
      thresholdUsdPerMwh: SPIKE_THRESHOLD_USD_PER_MWH,
      ...scarcityHazard,
      coolingHazardPerDegC: 0.12,
      meanDurationSteps: round(mean(runs), 3),
      paretoAlpha: round(paretoAlpha, 4),
      persistence: round(Math.max(0, pairCorrelation(spikePairs)), 4),
    },
    dayAhead: {
      quantiles: knots(daSorted),
      interceptZ: round(interceptZ, 4),
      slope: round(slope, 4),
      noisePhiPerHour: round(Math.max(0, autocorrelation(daNoise, 1)), 4),
      noiseSigmaZ: round(standardDeviation(daNoise), 4),
    },
    temperature: fitTemperature(
      temperature,
      calendars.map((c) => c.hourOfDay),
      calendars.map((c) => c.dayOfYear),
    ),
  };
}

/**
 * Fits the BTC jump diffusion, fees and the hashrate trend to the daily file. Jumps: daily log-returns beyond
 * 3.5 robust sd (MAD × 1.4826) are jumps; the rest give the diffusion volatility. Hashrate trend: OLS of
 * ln(difficulty) on time over the last two years (difficulty tracks hashrate within one 2,016-block epoch).
 */
export function fitBitcoinModel(days: readonly HashpriceDay[]): BitcoinModel {
  const sorted = [...days].sort((a, b) => a.dayStartMs - b.dayStartMs);
  const returns = sorted.slice(1).map((d, i) => Math.log(d.btcPriceUsd / sorted[i]!.btcPriceUsd));
  const median = quantile(sortedCopy(returns), 0.5);
  const mad = quantile(sortedCopy(returns.map((r) => Math.abs(r - median))), 0.5) * 1.4826;
  const jumps = returns.filter((r) => Math.abs(r - median) > 3.5 * mad);
  const diffusion = returns.filter((r) => Math.abs(r - median) <= 3.5 * mad);
  const fees = sorted.flatMap((d) => (d.feesBtcPerDay === undefined ? [] : [Math.log(d.feesBtcPerDay)]));
  const recent = sorted.filter((d) => d.dayStartMs >= sorted[sorted.length - 1]!.dayStartMs - 730 * MS_PER_DAY);
  const years = recent.map((d) => (d.dayStartMs - recent[0]!.dayStartMs) / (365.25 * MS_PER_DAY));
  const [, slopePerYear] = leastSquares(
    years.map((y) => [1, y]),
    recent.map((d) => Math.log(d.difficulty)),
  ) as [number, number];
  // Deviation of difficulty from its trend, sampled at each retarget (~every 14 days).
  const trendResidual = recent.map((d, i) => Math.log(d.difficulty) - slopePerYear * years[i]!);
  const centred = trendResidual.map((r) => r - mean(trendResidual));
  const fortnightly = centred.filter((_, i) => i % 14 === 0);
  const phiFortnight = Math.max(0, autocorrelation(fortnightly, 1));
  return {
    dailyVolatility: round(standardDeviation(diffusion), 5),
    calibratedDriftPerDay: round(mean(returns), 6),
    jumpsPerDay: round(jumps.length / returns.length, 5),
    jumpMeanLog: round(mean(jumps), 5),
    jumpSigmaLog: round(standardDeviation(jumps), 5),
    feesBtcPerDayMedian: round(Math.exp(quantile(sortedCopy(fees), 0.5)), 3),
    feesLogSigma: round(standardDeviation(fees), 4),
    hashrateGrowthPerYear: round(Math.exp(slopePerYear) - 1, 4),
    hashrateNoisePhiPerDay: round(phiFortnight ** (1 / 14), 4),
    hashrateNoiseSigmaLog: round(standardDeviation(fortnightly), 4),
  };
}

/**
 * Second stage (simulated method of moments): the scarcity hazard is fitted on the real base scores, but the
 * synthetic base wanders differently, so the fitted hazard visits scarcity less or more often than the file does.
 * Simulate the file's span with seeds 1–8 and scale the hourly hazards by real ÷ synthetic share of intervals above
 * $100; three rounds.
 */
export function matchRegimeShares(model: PriceModel, series: PriceSeries): PriceModel {
  const real = series.rtUsdPerMwh.values;
  const share = (values: readonly number[], test: (p: number) => boolean) => values.filter(test).length / values.length;
  const realScarcity = share(real, (p) => p > SPIKE_THRESHOLD_USD_PER_MWH);
  const scenario = marketScenarioSchema.parse({ nodes: [{ node: model.node }] });
  let current = model;
  for (let pass = 0; pass < 3; pass++) {
    let scarcity = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const process = new PriceProcess(current, scenario, streamRng(seed, 'calibration'));
      const prices = real.map((_, i) => {
        const atMs = series.rtUsdPerMwh.startMs + i * series.rtUsdPerMwh.stepMinutes * 60_000;
        return process.step(atMs, localCalendar(atMs, TIME_ZONE), i / 4).nodes[0]!.rtUsdPerMwh;
      });
      scarcity += share(prices, (p) => p > SPIKE_THRESHOLD_USD_PER_MWH) / 8;
    }
    const scale = (target: number, got: number) => Math.min(2, Math.max(0.5, target / Math.max(got, 1e-9)));
    const scarcityScale = scale(realScarcity, scarcity);
    current = {
      ...current,
      spike: {
        ...current.spike,
        entryProbabilityByHour: current.spike.entryProbabilityByHour.map((p) => round(p * scarcityScale, 8)),
      },
    };
  }
  return current;
}

export function calibrate(calibratedOn: string): Calibration {
  const series = readPriceFile(ERCOT_PRICE_FILE, STEP_MINUTES);
  const price = matchRegimeShares(fitPriceModel(series), series);
  const bitcoin = fitBitcoinModel(readHashpriceFile(HASHPRICE_FILE));
  return calibrationSchema.parse({
    calibratedOn,
    method:
      'sim/synthetic/calibrate.ts: Gaussian-copula OU price model with a Markov scarcity regime (see fitPriceModel), ' +
      'the scarcity hazard then scaled to the real share of intervals above $100 by simulation (matchRegimeShares); ' +
      'BTC jump diffusion with MAD-based jump split, log-normal fees, log-linear difficulty trend (see fitBitcoinModel)',
    sources: [
      'sim/data/ercot_hb_south_rt_15min_2024-11_2025-03.csv (ERCOT NP6-905-CD / NP4-190-CD, HB_SOUTH)',
      'sim/data/btc_hashprice_daily_2020-04_2025-04.csv (Yahoo Finance close, blockchain.com difficulty/fees)',
    ],
    priors: PRIORS,
    price,
    bitcoin,
  });
}

const calibrateFlags = z.strictObject({
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
    .optional(),
});

const calibrateCli: CliSpec<typeof calibrateFlags> = {
  command: 'calibrate',
  usage:
    'npm run calibrate -- [--date YYYY-MM-DD]\n\nRefits the synthetic market model to the real prices and hashprice and rewrites the committed calibration file.',
  flags: calibrateFlags,
  help: { date: ['YYYY-MM-DD', 'the calibration date recorded in the file (default: today, UTC)'] },
};

// Run as a script (not when imported): rewrites the committed calibration file.
if (process.argv[1]?.endsWith(path.join('synthetic', 'calibrate.ts'))) {
  runCli(calibrateCli, ({ date }) => {
    const calibration = calibrate(date ?? new Date().toISOString().slice(0, 10));
    writeFileSync(CALIBRATION_FILE, `${JSON.stringify(calibration, null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), CALIBRATION_FILE)}`);
  });
}
