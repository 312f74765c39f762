import { breakevenPriceUsdPerMwh } from '../../core/economics/energy.js';
import {
  breakevenGroupsOf,
  fitBreakevenClassifier,
  probabilityAbove,
} from '../../core/forecast/breakeven-classifier.js';
import { ridgeFeatureRows } from '../../core/forecast/ridge.js';
import { knownAt, type MarketRecord } from '../../core/market-data/known-at.js';
import type { Site } from '../../core/model/site.js';
import { ProbabilityTally, type ScoringWindow } from './scores.js';

/** Leads the breakeven classifier plans on (`withBreakevenClassifier`'s default horizon), in hours. */
export const BREAKEVEN_HORIZON_HOURS = 6;

/**
 * The breakeven classifier's calibration (core/forecast/breakeven-classifier.ts, issue 19): at each decision time, for
 * each ASIC group of `sites`, P(price > the group's breakeven at the published hashprice) from a fit on what was
 * published then, over the first `window.horizonSteps` unpublished-and-future intervals it plans on, scored against
 * what settled: Brier score beside the base rate's, and the reliability table.
 */
export function scoreBreakevenClassifier(
  record: MarketRecord,
  sites: readonly Site[],
  window: ScoringWindow,
  lambda = 100,
) {
  const groups = breakevenGroupsOf(sites);
  const tallies = groups.map(() => new ProbabilityTally());
  const stepMs = record.stepMinutes * 60_000;
  const rt = record.rtUsdPerMwh;
  for (let origin = window.firstOrigin; origin + window.horizonSteps <= rt.length; origin += window.everySteps) {
    const view = knownAt(record, record.startMs + origin * stepMs);
    const lead = origin - view.rtUsdPerMwh.length;
    const features = ridgeFeatureRows(view, lead + window.horizonSteps, BREAKEVEN_HORIZON_HOURS);
    if (!features) continue;
    const training = features.training();
    if (training.length === 0) continue;
    groups.forEach((group, g) => {
      const breakeven = breakevenPriceUsdPerMwh(view.hashpriceUsdPerThDay, group.efficiencyJPerTh, group.pue);
      const model = fitBreakevenClassifier(training, view.rtUsdPerMwh, breakeven, lambda);
      for (let i = 0; i < window.horizonSteps; i += 1) {
        tallies[g]!.add(probabilityAbove(model, features.forecast[lead + i]!), rt[origin + i]! > breakeven);
      }
    });
  }
  return groups.map((group, g) => ({ groupId: group.groupId, ...tallies[g]!.result() }));
}
