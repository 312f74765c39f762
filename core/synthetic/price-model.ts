import { z } from 'zod';
import { ERCOT_PRICE_CAP_USD_PER_MWH, ERCOT_PRICE_FLOOR_USD_PER_MWH } from '../model/market.js';
import { normal, type Rng } from '../support/random.js';
import { isWeekend, type LocalCalendar } from './calendar.js';
import { ouStep } from './draws.js';
import type { MarketScenario, ScenarioNode } from './scenario.js';
import { normalCdf, normalQuantile, quantileFromKnots } from './stats.js';

/*
 * The real-time price model. A price is the sum of two regimes:
 *
 * - Base regime: a Gaussian variable g, mean-reverting in the normal-score space of the base price distribution,
 *     g = hour-of-day mean + weekend shift + heating/cooling degree terms + slow OU (days) + fast OU (minutes),
 *   mapped to a price through the calibrated quantile function of non-spike prices (a Gaussian-copula transform:
 *   it keeps the real distribution's negative hours and skew without forcing a parametric marginal).
 * - Scarcity regime: a Markov switch entered with an hourly, temperature-dependent hazard and left with a constant
 *   probability (geometric durations); inside it the price is Pareto above the spike threshold, persistent through
 *   a Gaussian AR(1) copula, capped at ERCOT's $5,000/MWh offer cap.
 *
 * The day-ahead price is a noisy hourly forecast of the base regime's expected level. Temperature drives both.
 */

const knotsSchema = z.strictObject({
  probabilities: z.array(z.number().min(0).max(1)).min(2),
  values: z.array(z.number().finite()).min(2),
});

export const temperatureModelSchema = z.strictObject({
  annualMeanC: z.number(),
  annualAmplitudeC: z.number().nonnegative(),
  warmestDayOfYear: z.number().min(1).max(366),
  diurnalAmplitudeC: z.number().nonnegative(),
  /** Local hour of the daily maximum. */
  warmestHour: z.number().min(0).max(24),
  /** Weather anomaly: AR(1) at the model step and its stationary sd. */
  anomalyPhi: z.number().min(0).max(1),
  anomalySigmaC: z.number().nonnegative(),
  /** Anomaly scale at the warmest day relative to the coldest (summer weather is steadier than winter fronts). */
  anomalySummerScale: z.number().min(0).max(2),
});
export type TemperatureModel = z.infer<typeof temperatureModelSchema>;

export const priceModelSchema = z.strictObject({
  node: z.string(),
  timeZone: z.string(),
  stepMinutes: z.number().int().positive(),
  /** Quantile function of real-time prices outside scarcity ($/MWh). */
  baseQuantiles: knotsSchema,
  hourMeanZ: z.array(z.number()).length(24),
  weekendShiftZ: z.number(),
  heatingBaseC: z.number(),
  coolingBaseC: z.number(),
  heatingZPerDegC: z.number(),
  coolingZPerDegC: z.number(),
  /** Day-to-day scale of the daily shape around the hour means: AR(1) per day and its stationary sd. */
  shapeAmplitudePhiPerDay: z.number().min(0).max(1),
  shapeAmplitudeSigma: z.number().nonnegative(),
  slowPhiPerDay: z.number().min(0).max(1),
  slowSigmaZ: z.number().nonnegative(),
  fastPhi: z.number().min(0).max(1),
  fastSigmaZ: z.number().nonnegative(),
  /**
   * Hour-of-day effects: one AR(1) per local hour, stepped once a day, each holding for its hour (the same hour
   * looks alike on consecutive days beyond what the hour mean says: solar and wind patterns persist).
   */
  hourEffectPhiPerDay: z.number().min(0).max(1),
  hourEffectSigmaZ: z.number().nonnegative(),
  /** White noise on top of the fast OU: 15-min price jitter that does not persist. */
  jitterSigmaZ: z.number().nonnegative(),
  spike: z.strictObject({
    thresholdUsdPerMwh: z.number().positive(),
    entryProbabilityByHour: z.array(z.number().min(0).max(1)).length(24),
    heatingHazardPerDegC: z.number(),
    coolingHazardPerDegC: z.number(),
    /** Log-hazard per unit of the previous interval's base normal score: scarcity grows out of a tight system. */
    hazardPerBaseZ: z.number(),
    /** Log-hazard added when the regime held at the same time the day before. */
    hazardIfYesterday: z.number(),
    meanDurationSteps: z.number().min(1),
    paretoAlpha: z.number().positive(),
    persistence: z.number().min(0).max(0.999),
  }),
  dayAhead: z.strictObject({
    quantiles: knotsSchema,
    interceptZ: z.number(),
    slope: z.number(),
    noisePhiPerHour: z.number().min(0).max(1),
    noiseSigmaZ: z.number().nonnegative(),
  }),
  temperature: temperatureModelSchema,
});
export type PriceModel = z.infer<typeof priceModelSchema>;

/** Degree terms from the calibrated bases: a cold snap and a heat wave both tighten the grid. */
export function degreeTerms(model: PriceModel, temperatureC: number) {
  return {
    heatingDeg: Math.max(0, model.heatingBaseC - temperatureC),
    coolingDeg: Math.max(0, temperatureC - model.coolingBaseC),
  };
}

/** Expected base-regime normal score at a time and temperature, before the OU terms. */
export function seasonalMeanZ(
  model: PriceModel,
  calendar: LocalCalendar,
  temperatureC: number,
  shapeAmplitude = 0,
): number {
  const { heatingDeg, coolingDeg } = degreeTerms(model, temperatureC);
  const hourMean = model.hourMeanZ[calendar.hour]!;
  return (
    hourMean +
    shapeAmplitude * (hourMean - averageHourMeanZ(model)) +
    (isWeekend(calendar) ? model.weekendShiftZ : 0) +
    model.heatingZPerDegC * heatingDeg +
    model.coolingZPerDegC * coolingDeg
  );
}

const averageHourMeanZ = (model: PriceModel) => model.hourMeanZ.reduce((a, b) => a + b, 0) / 24;

export const clampPrice = (priceUsdPerMwh: number) =>
  Math.min(ERCOT_PRICE_CAP_USD_PER_MWH, Math.max(ERCOT_PRICE_FLOOR_USD_PER_MWH, priceUsdPerMwh));

const MIN_PROBABILITY = 1e-6;

export const basePriceFromZ = (model: PriceModel, z: number) =>
  quantileFromKnots(model.baseQuantiles, Math.min(1 - MIN_PROBABILITY, Math.max(MIN_PROBABILITY, normalCdf(z))));

/** Temperature at a time, before the weather anomaly: annual cycle (cosine) plus a diurnal cosine. */
export function climatologyC(model: TemperatureModel, calendar: LocalCalendar): number {
  const annual = Math.cos((2 * Math.PI * (calendar.dayOfYear - model.warmestDayOfYear)) / 365.25);
  const diurnal = Math.cos((2 * Math.PI * (calendar.hourOfDay - model.warmestHour)) / 24);
  return model.annualMeanC + model.annualAmplitudeC * annual + model.diurnalAmplitudeC * diurnal;
}

/** 1 on the coldest day of the year, `anomalySummerScale` on the warmest, cosine between. */
export function anomalyScale(model: TemperatureModel, calendar: LocalCalendar): number {
  const summerness = (1 + Math.cos((2 * Math.PI * (calendar.dayOfYear - model.warmestDayOfYear)) / 365.25)) / 2;
  return 1 - (1 - model.anomalySummerScale) * summerness;
}

/** Scenario adjustments active at one step. */
export interface StepConditions {
  readonly temperatureDeltaC: number;
  readonly hazardMultiplier: number;
  readonly durationMultiplier: number;
}

export function conditionsAt(scenario: MarketScenario, hoursFromStart: number): StepConditions {
  const inside = (w: { startHour: number; durationHours: number }) =>
    hoursFromStart >= w.startHour && hoursFromStart < w.startHour + w.durationHours;
  let temperatureDeltaC = scenario.temperatureShiftC;
  for (const a of scenario.temperatureAnomalies) if (inside(a)) temperatureDeltaC += a.deltaC;
  let hazardMultiplier = scenario.spikeHazardMultiplier;
  let durationMultiplier = scenario.spikeDurationMultiplier;
  for (const w of scenario.scarcityWindows) {
    if (inside(w)) {
      hazardMultiplier *= w.hazardMultiplier;
      durationMultiplier *= w.durationMultiplier;
    }
  }
  return { temperatureDeltaC, hazardMultiplier, durationMultiplier };
}

export interface NodePricePoint {
  readonly node: string;
  readonly rtUsdPerMwh: number;
  readonly daUsdPerMwh: number;
  readonly temperatureC: number;
}

export interface PriceStep {
  readonly startMs: number;
  readonly scarcity: boolean;
  readonly nodes: readonly NodePricePoint[];
}

interface NodeState {
  basisZ: number;
  daNoiseZ: number;
  daUsdPerMwh: number;
}

/**
 * A stateful price process: call `step(startMs, calendar, hoursFromStart)` once per interval, in order.
 * All randomness comes from `rng`, drawn in a fixed order per step, so a seed fixes the path.
 */
export class PriceProcess {
  private slowZ: number;
  private shapeAmplitude: number;
  private shapeDate = '';
  private previousBaseZ = 0;
  private readonly hourEffectZ: number[];
  private hourEffectUpdatedAtMs = Number.NaN;
  private fastZ: number;
  private anomalyC: number;
  private inScarcity = false;
  private spikeZ = 0;
  /** Scarcity at each step of the last day (ring buffer), for the same-time-yesterday hazard term. */
  private readonly scarcityHistory: boolean[];
  private stepIndex = 0;
  private readonly nodeStates: NodeState[];
  private readonly slowPhi: number;

  constructor(
    private readonly model: PriceModel,
    private readonly scenario: MarketScenario,
    private readonly rng: Rng,
  ) {
    // Start each OU from its stationary distribution, so the first day is not special.
    this.slowZ = model.slowSigmaZ * normal(rng);
    this.shapeAmplitude = model.shapeAmplitudeSigma * normal(rng);
    this.scarcityHistory = new Array<boolean>((24 * 60) / model.stepMinutes).fill(false);
    this.hourEffectZ = Array.from({ length: 24 }, () => model.hourEffectSigmaZ * normal(rng));
    this.fastZ = model.fastSigmaZ * normal(rng);
    this.anomalyC = model.temperature.anomalySigmaC * normal(rng);
    this.slowPhi = model.slowPhiPerDay ** (model.stepMinutes / 1440);
    this.nodeStates = scenario.nodes.map((n) => ({
      basisZ: n.basisSigmaZ * normal(rng),
      daNoiseZ: model.dayAhead.noiseSigmaZ * normal(rng),
      daUsdPerMwh: Number.NaN,
    }));
  }

  step(startMs: number, calendar: LocalCalendar, hoursFromStart: number): PriceStep {
    const { model, rng } = this;
    const conditions = conditionsAt(this.scenario, hoursFromStart);
    this.anomalyC = ouStep(rng, this.anomalyC, model.temperature.anomalyPhi, model.temperature.anomalySigmaC);
    this.slowZ = ouStep(rng, this.slowZ, this.slowPhi, model.slowSigmaZ);
    // The day's shape amplitude is fitted per local day, so it moves once a day, at local midnight.
    if (calendar.localDate !== this.shapeDate) {
      this.shapeDate = calendar.localDate;
      this.shapeAmplitude = ouStep(rng, this.shapeAmplitude, model.shapeAmplitudePhiPerDay, model.shapeAmplitudeSigma);
    }
    this.fastZ = ouStep(rng, this.fastZ, model.fastPhi, model.fastSigmaZ);
    // One hour-effect step per clock hour: the first step of the hour moves that hour's effect.
    const hourStartMs = startMs - calendar.minute * 60_000;
    if (hourStartMs !== this.hourEffectUpdatedAtMs) {
      this.hourEffectUpdatedAtMs = hourStartMs;
      this.hourEffectZ[calendar.hour] = ouStep(
        rng,
        this.hourEffectZ[calendar.hour]!,
        model.hourEffectPhiPerDay,
        model.hourEffectSigmaZ,
      );
    }
    const jitterZ = model.jitterSigmaZ * normal(rng) + this.hourEffectZ[calendar.hour]!;
    const systemTemperatureC =
      climatologyC(model.temperature, calendar) +
      this.anomalyC * anomalyScale(model.temperature, calendar) +
      conditions.temperatureDeltaC;
    const spikeValue = this.stepScarcity(calendar, systemTemperatureC, conditions);
    this.previousBaseZ =
      seasonalMeanZ(model, calendar, systemTemperatureC, this.shapeAmplitude) +
      this.scenario.levelShiftZ +
      this.slowZ +
      this.fastZ +
      jitterZ;
    const newHour = calendar.minute === 0 || Number.isNaN(this.nodeStates[0]!.daUsdPerMwh);
    const nodes = this.scenario.nodes.map((node, k) => {
      const state = this.nodeStates[k]!;
      state.basisZ = ouStep(rng, state.basisZ, node.basisPhi, node.basisSigmaZ);
      state.daNoiseZ = ouStep(
        rng,
        state.daNoiseZ,
        model.dayAhead.noisePhiPerHour ** (model.stepMinutes / 60),
        model.dayAhead.noiseSigmaZ,
      );
      const temperatureC = systemTemperatureC + node.temperatureOffsetC;
      const expectedZ =
        seasonalMeanZ(model, calendar, temperatureC, this.shapeAmplitude) + this.levelShift(node) + this.slowZ;
      const base = basePriceFromZ(model, expectedZ + this.fastZ + jitterZ + state.basisZ);
      // Scarcity lifts every hub together (ERCOT scarcity pricing is system-wide), scaled per node.
      const rt = spikeValue === undefined ? base : Math.max(base, spikeValue * node.spikeScale);
      // Day-ahead clears once per hour: a forecast of the hour's expected level with its own error.
      if (newHour) {
        state.daUsdPerMwh = this.dayAheadPrice(expectedZ + state.daNoiseZ, calendar, temperatureC, conditions);
      }
      return {
        node: node.node,
        rtUsdPerMwh: round2(clampPrice(rt)),
        daUsdPerMwh: state.daUsdPerMwh,
        temperatureC: Math.round(temperatureC * 10) / 10,
      };
    });
    return { startMs, scarcity: spikeValue !== undefined, nodes };
  }

  private levelShift(node: ScenarioNode): number {
    return this.scenario.levelShiftZ + node.levelShiftZ;
  }

  /** Entry hazard of scarcity per step before scenario multipliers. */
  private scarcityHazard(calendar: LocalCalendar, temperatureC: number, baseZ: number, yesterday: boolean): number {
    const { spike } = this.model;
    const { heatingDeg, coolingDeg } = degreeTerms(this.model, temperatureC);
    return (
      spike.entryProbabilityByHour[calendar.hour]! *
      Math.exp(
        spike.heatingHazardPerDegC * heatingDeg +
          spike.coolingHazardPerDegC * coolingDeg +
          spike.hazardPerBaseZ * baseZ +
          (yesterday ? spike.hazardIfYesterday : 0),
      )
    );
  }

  /**
   * The day-ahead price: a forecast of the hour's base level with its own error, plus, when the scenario declares
   * tight reserves for the hour (a forecastable event, like the February 2021 freeze), the extra expected scarcity
   * cost: (stationary scarcity probability with the scenario's multipliers − without) × mean capped spike price.
   */
  private dayAheadPrice(
    forecastZ: number,
    calendar: LocalCalendar,
    temperatureC: number,
    conditions: StepConditions,
  ): number {
    const { dayAhead, spike } = this.model;
    const z = dayAhead.interceptZ + dayAhead.slope * forecastZ;
    const p = Math.min(1 - MIN_PROBABILITY, Math.max(MIN_PROBABILITY, normalCdf(z)));
    const base = quantileFromKnots(dayAhead.quantiles, p);
    if (conditions.hazardMultiplier <= 1 && conditions.durationMultiplier <= 1) return round2(clampPrice(base));
    const hazard = Math.min(0.9, this.scarcityHazard(calendar, temperatureC, forecastZ, false));
    const share = (h: number, steps: number) => (h * steps) / (1 + h * steps);
    const extraShare =
      share(
        Math.min(0.9, hazard * conditions.hazardMultiplier),
        spike.meanDurationSteps * conditions.durationMultiplier,
      ) - share(hazard, spike.meanDurationSteps);
    const alpha = this.scenario.spikeParetoAlpha ?? spike.paretoAlpha;
    const uplift =
      Math.max(0, extraShare) * cappedParetoMean(spike.thresholdUsdPerMwh, alpha, ERCOT_PRICE_CAP_USD_PER_MWH);
    return round2(clampPrice(base + uplift));
  }

  /**
   * Advances the scarcity switch: from base it starts with the step's hazard; inside, the step leaves with
   * probability 1 / mean duration. Returns the spike price this step, or undefined in the base regime. Two draws per
   * step whatever happens, so later steps do not depend on which branch ran.
   */
  private stepScarcity(calendar: LocalCalendar, temperatureC: number, conditions: StepConditions): number | undefined {
    const { spike } = this.model;
    const u = this.rng.next();
    const innovation = normal(this.rng);
    const slot = this.stepIndex++ % this.scarcityHistory.length;
    const yesterday = this.scarcityHistory[slot]!;
    if (this.inScarcity) {
      if (u < 1 / (spike.meanDurationSteps * conditions.durationMultiplier)) this.inScarcity = false;
      else this.spikeZ = spike.persistence * this.spikeZ + Math.sqrt(1 - spike.persistence ** 2) * innovation;
    } else {
      const hazard =
        this.scarcityHazard(calendar, temperatureC, this.previousBaseZ, yesterday) * conditions.hazardMultiplier;
      if (u < Math.min(0.9, hazard)) {
        this.inScarcity = true;
        this.spikeZ = innovation;
      }
    }
    this.scarcityHistory[slot] = this.inScarcity;
    if (!this.inScarcity) return undefined;
    // Pareto above the threshold: P(price > x) = (x / threshold)^−α.
    const alpha = this.scenario.spikeParetoAlpha ?? spike.paretoAlpha;
    const tail = Math.max(1e-9, 1 - normalCdf(this.spikeZ));
    return spike.thresholdUsdPerMwh * tail ** (-1 / alpha);
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** E[min(X, cap)] for X Pareto above `threshold` with tail index α: finite even for α ≤ 1. */
export function cappedParetoMean(threshold: number, alpha: number, cap: number): number {
  const ratio = cap / threshold;
  // ∫ P(X > x) dx from 0 to cap = threshold + ∫_threshold^cap (x/threshold)^−α dx
  const tail =
    Math.abs(alpha - 1) < 1e-9 ? threshold * Math.log(ratio) : (threshold * (ratio ** (1 - alpha) - 1)) / (1 - alpha);
  return threshold + tail;
}

/** Normal score of `value` under an empirical distribution given by its sorted sample. */
export function normalScore(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  let upper = lo;
  while (upper < sorted.length && sorted[upper] === value) upper++;
  // Mid-rank of ties, with the (r − 0.5)/n plotting position.
  return normalQuantile((lo + upper) / 2 / sorted.length);
}
