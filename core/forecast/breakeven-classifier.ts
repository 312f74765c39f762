import { breakevenPriceUsdPerMwh, efficiencyJPerTh } from '../economics/energy.js';
import type { Site } from '../model/site.js';
import { fitLogistic, type LinearModel, linearScore, sigmoid } from './linear.js';
import { type RidgeForecasterOptions, ridgeFeatureRows } from './ridge.js';
import type { PriceForecast, PriceForecaster, PriceHistory } from './types.js';

/**
 * A direct classifier of "the real-time price of an interval is above this ASIC group's breakeven" (issue 19 item 3),
 * and the planning price it implies. The ridge's point (near the median) says where the price most likely settles; for
 * a group's decision what matters is which side of its breakeven b it settles on and by how much. With P = P(p > b),
 * E⁺ the mean excess p − b when above and E⁻ the mean shortfall b − p when below, sleeping pays in expectation when
 * P·E⁺ > (1 − P)·E⁻, i.e. when b + P·E⁺ − (1 − P)·E⁻ > b: that two-sided expectation is the price the LP is shown
 * wherever the point is on the other side of b.
 */

/** One classifier: P(price > threshold) on the ridge's features, and the mean excess and shortfall around it. */
export interface BreakevenModel {
  readonly thresholdUsdPerMwh: number;
  readonly model: LinearModel;
  /** Mean of p − threshold over the training targets above it (0 when none was). */
  readonly meanExcessUsdPerMwh: number;
  /** Mean of threshold − p over the training targets at or below it (0 when none was). */
  readonly meanShortfallUsdPerMwh: number;
}

/** A training example: a feature row and the grid index of the interval it forecasts. */
export interface BreakevenExample {
  readonly row: readonly number[];
  readonly target: number;
}

/**
 * Fits P(price > threshold) by L2-regularised logistic regression. `publishedUsdPerMwh` holds the prices published at
 * the fit time and nothing later: an example whose target is not among them is refused (a label the fit could not have
 * known), as is a non-finite published price.
 */
export function fitBreakevenClassifier(
  examples: readonly BreakevenExample[],
  publishedUsdPerMwh: readonly number[],
  thresholdUsdPerMwh: number,
  lambda: number,
): BreakevenModel {
  if (!Number.isFinite(thresholdUsdPerMwh)) throw new RangeError('thresholdUsdPerMwh: must be finite');
  if (examples.length === 0) throw new RangeError('examples: at least one is needed');
  const labels: number[] = [];
  let excess = 0;
  let above = 0;
  let shortfall = 0;
  for (const { target } of examples) {
    const price = publishedUsdPerMwh[target];
    if (!Number.isInteger(target) || target < 0 || target >= publishedUsdPerMwh.length) {
      throw new RangeError(
        `examples: target ${target} is not a published interval (${publishedUsdPerMwh.length} published)`,
      );
    }
    if (price === undefined || !Number.isFinite(price)) {
      throw new RangeError(`publishedUsdPerMwh[${target}]: must be a finite price`);
    }
    const isAbove = price > thresholdUsdPerMwh;
    labels.push(isAbove ? 1 : 0);
    if (isAbove) {
      excess += price - thresholdUsdPerMwh;
      above += 1;
    } else shortfall += thresholdUsdPerMwh - price;
  }
  const below = examples.length - above;
  return {
    thresholdUsdPerMwh,
    model: fitLogistic(
      examples.map((e) => e.row),
      labels,
      lambda,
    ),
    meanExcessUsdPerMwh: above > 0 ? excess / above : 0,
    meanShortfallUsdPerMwh: below > 0 ? shortfall / below : 0,
  };
}

export function probabilityAbove(model: BreakevenModel, row: readonly number[]): number {
  return sigmoid(linearScore(model.model, row));
}

/** A breakeven as seen for one interval: the classifier's probability and the expected price it implies. */
export interface BreakevenOutlook {
  readonly thresholdUsdPerMwh: number;
  readonly probabilityAbove: number;
  readonly meanExcessUsdPerMwh: number;
  readonly meanShortfallUsdPerMwh: number;
}

/** b + P·E⁺ − (1 − P)·E⁻: above b exactly when sleeping a group of breakeven b pays in expectation. */
export function twoSidedPriceUsdPerMwh(o: BreakevenOutlook): number {
  return (
    o.thresholdUsdPerMwh +
    o.probabilityAbove * o.meanExcessUsdPerMwh -
    (1 - o.probabilityAbove) * o.meanShortfallUsdPerMwh
  );
}

/**
 * The price to plan an interval on: the point where it sits on the side of every breakeven the classifier's decision
 * agrees with, otherwise moved to the side the decisions want. Groups whose sleep pays (two-sided price above their
 * breakeven) need a price above the highest of them (L), the others a price below the lowest of them (U). A point
 * below L is raised to the highest two-sided price of the sleeping groups, a point above U lowered to the lowest of
 * the others, each kept inside (L, U). Decisions that disagree with the breakevens' order (a higher breakeven asleep
 * below a lower one awake) leave the point as it is.
 */
export function plannedPriceUsdPerMwh(pointUsdPerMwh: number, outlooks: readonly BreakevenOutlook[]): number {
  let lower = Number.NEGATIVE_INFINITY;
  let upper = Number.POSITIVE_INFINITY;
  let raiseTo = Number.NEGATIVE_INFINITY;
  let lowerTo = Number.POSITIVE_INFINITY;
  for (const o of outlooks) {
    const price = twoSidedPriceUsdPerMwh(o);
    if (price > o.thresholdUsdPerMwh) {
      lower = Math.max(lower, o.thresholdUsdPerMwh);
      raiseTo = Math.max(raiseTo, price);
    } else {
      upper = Math.min(upper, o.thresholdUsdPerMwh);
      lowerTo = Math.min(lowerTo, price);
    }
  }
  if (lower >= upper) return pointUsdPerMwh;
  // A cent inside the band, so the LP sees the side it is meant to see.
  const margin = 0.01;
  if (pointUsdPerMwh <= lower) return Math.min(raiseTo, upper - margin);
  if (pointUsdPerMwh >= upper) return Math.max(lowerTo, lower + margin);
  return pointUsdPerMwh;
}

/** An ASIC group as the classifier needs it: its breakeven is hashprice over the MWh a TH/s uses in a day. */
export interface BreakevenGroup {
  readonly efficiencyJPerTh: number;
  readonly pue: number;
}

/** The fleet's ASIC groups as the classifier needs them, each with its id. */
export function breakevenGroupsOf(sites: readonly Site[]): Array<BreakevenGroup & { readonly groupId: string }> {
  return sites.flatMap((site) =>
    site.asicGroups.map((g) => ({
      groupId: g.id,
      efficiencyJPerTh: efficiencyJPerTh(g.nominalPowerW, g.nominalHashrateThs),
      pue: site.pue,
    })),
  );
}

export interface BreakevenClassifierOptions {
  /** Intervals from the first unpublished one up to this lead are planned on the classifier; later ones on the point. @default 6 */
  readonly horizonHours?: number;
  /** Penalty of each logistic fit (the ridge's spike classifier's, where 100 was measured calibrated). @default 100 */
  readonly lambda?: number;
  /** The ridge's settings: features, training window, refit period. @default the ridge's defaults */
  readonly ridge?: RidgeForecasterOptions;
}

/**
 * Plans the first `horizonHours` on the breakeven classifiers of `groups` (one per distinct breakeven at the latest
 * published hashprice the history carries, as the known-at view does), the rest on `base`'s point. Each classifier is
 * fitted with the ridge's features and training origins (the known-at view's publication rule), refitted with the
 * ridge's period, and cached per fit and breakeven.
 */
export function withBreakevenClassifier(
  base: PriceForecaster,
  groups: readonly BreakevenGroup[],
  options: BreakevenClassifierOptions = {},
): PriceForecaster {
  const horizonHours = options.horizonHours ?? 6;
  const lambda = options.lambda ?? 100;
  const cache = new Map<string, BreakevenModel>();
  return {
    name: `${base.name}+breakeven`,
    forecast(history: PriceHistory & { readonly hashpriceUsdPerThDay?: number }, steps: number): PriceForecast {
      const hashprice = history.hashpriceUsdPerThDay;
      if (hashprice === undefined || !Number.isFinite(hashprice)) {
        throw new RangeError('hashpriceUsdPerThDay: the breakeven classifier needs the published hashprice');
      }
      const forecast = base.forecast(history, steps);
      const classified = Math.min(steps, Math.floor((horizonHours * 60) / history.stepMinutes));
      const features = ridgeFeatureRows(history, classified, horizonHours, options.ridge);
      if (!features || classified === 0) return forecast;
      const thresholds = [
        ...new Set(groups.map((g) => Math.round(breakevenPriceUsdPerMwh(hashprice, g.efficiencyJPerTh, g.pue) * 100))),
      ].map((cents) => cents / 100);
      let training: BreakevenExample[] | undefined;
      const models = thresholds.map((threshold) => {
        const key = `${features.fitKey}|${threshold}`;
        let model = cache.get(key);
        if (!model) {
          training ??= features.training();
          if (training.length === 0) return undefined;
          model = fitBreakevenClassifier(training, history.rtUsdPerMwh, threshold, lambda);
          if (cache.size >= 64) cache.delete(cache.keys().next().value as string);
          cache.set(key, model);
        }
        return model;
      });
      if (models.some((m) => m === undefined)) return forecast;
      const point = forecast.pointUsdPerMwh.map((p, i) => {
        if (i >= classified) return p;
        const row = features.forecast[i]!;
        return plannedPriceUsdPerMwh(
          p,
          models.map((m) => ({
            thresholdUsdPerMwh: m!.thresholdUsdPerMwh,
            probabilityAbove: probabilityAbove(m!, row),
            meanExcessUsdPerMwh: m!.meanExcessUsdPerMwh,
            meanShortfallUsdPerMwh: m!.meanShortfallUsdPerMwh,
          })),
        );
      });
      return { ...forecast, pointUsdPerMwh: point };
    },
  };
}
