import { breakevenPriceUsdPerMwh, efficiencyJPerTh } from '../../core/economics/energy.js';
import type { Site } from '../../core/model/site.js';

/**
 * Where the oracle's uplift over static comes from, and how much of it a causal (no look-ahead) policy could take
 * (issue 19). The uplift is almost all ASIC curtailment: sleeping a group in an interval whose price is above the
 * group's breakeven saves power × (price − breakeven) × duration. Summed interval by interval with no switching cost,
 * that is the frictionless foresight value, which the oracle approaches from below (wake costs, minimum up/down times).
 *
 * A causal decision at the start of interval t knows real-time prices through t−2 (t−1 is posted 5 minutes after t
 * starts), the day-ahead price of t and the clock. Each interval is classed by its own price against the group's
 * breakeven and by the last published price: an **onset** is above breakeven while the last published price was not,
 * **continuation** above with the last published price above, an **exit** below with the last published price above
 * (where a rule that follows the published price loses), **below** the rest.
 *
 * A policy that decides from features x(t) (bins of the last published price, the hour, the day-ahead price) sleeps a
 * group either in every interval of a cell of x or in none. The best such table, chosen on the same data it is scored
 * on, takes Σ_cells max(0, Σ_{t ∈ cell} value): an upper bound for every policy that decides from x alone, and an
 * optimistic one (it is fitted in-sample). Fitted on the other months and scored on each (`crossValidatedTable`), it is a
 * policy one could run (with hindsight over the other months).
 */

export type IntervalClass = 'onset' | 'continuation' | 'exit' | 'below';
export const INTERVAL_CLASSES: readonly IntervalClass[] = ['onset', 'continuation', 'exit', 'below'];

/** Intervals between a decision and the last real-time price published at it (t−1 posts 5 minutes into t). */
export const PUBLISHED_LAG_STEPS = 2;

export interface CurtailValues {
  /** Per ASIC group (sites' groups in order): $ saved by sleeping the whole group rather than running it, by step. */
  readonly byGroupUsd: readonly (readonly number[])[];
  readonly breakevenUsdPerMwh: readonly (readonly number[])[];
  readonly groupIds: readonly string[];
}

/**
 * $ saved by sleeping each ASIC group in each step instead of running it at nominal power: facility power (IT × PUE)
 * × duration × (price − breakeven at the step's hashprice), less the sleep draw's energy. Negative where running pays.
 */
export function curtailValues(
  sites: readonly Site[],
  priceUsdPerMwh: readonly number[],
  hashpriceUsdPerThDay: readonly number[],
  stepMinutes: number,
): CurtailValues {
  const hours = stepMinutes / 60;
  const byGroupUsd: number[][] = [];
  const breakevenUsdPerMwh: number[][] = [];
  const groupIds: string[] = [];
  for (const site of sites) {
    for (const g of site.asicGroups) {
      const runMw = (g.unitCount * g.nominalPowerW * site.pue) / 1e6;
      const sleepMw = (g.unitCount * g.sleepPowerW * site.pue) / 1e6;
      const efficiency = efficiencyJPerTh(g.nominalPowerW, g.nominalHashrateThs);
      const breakeven = hashpriceUsdPerThDay.map((h) => breakevenPriceUsdPerMwh(h, efficiency, site.pue));
      groupIds.push(`${site.id}/${g.id}`);
      breakevenUsdPerMwh.push(breakeven);
      byGroupUsd.push(priceUsdPerMwh.map((p, t) => runMw * hours * (p - breakeven[t]!) - sleepMw * hours * p));
    }
  }
  return { byGroupUsd, breakevenUsdPerMwh, groupIds };
}

/** The class of step t for one group: its own price against breakeven, and the last published price against it. */
export function intervalClass(price: number, lastPublished: number | undefined, breakeven: number): IntervalClass {
  const high = price > breakeven;
  const knownHigh = lastPublished !== undefined && lastPublished > breakeven;
  if (high) return knownHigh ? 'continuation' : 'onset';
  return knownHigh ? 'exit' : 'below';
}

export type ClassTotals = Record<IntervalClass, { readonly steps: number; readonly foresightUsd: number }>;

/**
 * The frictionless foresight value (Σ max(0, value)) by class, over groups and steps. `lastPublished(t)` is the
 * real-time price published at t's decision (undefined before the data).
 */
export function foresightByClass(
  values: CurtailValues,
  priceUsdPerMwh: readonly number[],
  lastPublished: (t: number) => number | undefined,
): ClassTotals {
  const totals = Object.fromEntries(INTERVAL_CLASSES.map((c) => [c, { steps: 0, foresightUsd: 0 }])) as Record<
    IntervalClass,
    { steps: number; foresightUsd: number }
  >;
  values.byGroupUsd.forEach((series, g) => {
    series.forEach((v, t) => {
      const c = intervalClass(priceUsdPerMwh[t]!, lastPublished(t), values.breakevenUsdPerMwh[g]![t]!);
      totals[c].steps += 1;
      totals[c].foresightUsd += Math.max(0, v);
    });
  });
  return totals;
}

/** Σ over groups and steps of max(0, value): every group asleep exactly when its price is above breakeven. */
export function foresightUsd(values: CurtailValues): number {
  return values.byGroupUsd.reduce((a, series) => a + series.reduce((b, v) => b + Math.max(0, v), 0), 0);
}

/** What a policy earns over static that sleeps group g in step t when `asleep(g, t)`. */
export function policyUsd(values: CurtailValues, asleep: (g: number, t: number) => boolean): number {
  return values.byGroupUsd.reduce((a, series, g) => a + series.reduce((b, v, t) => b + (asleep(g, t) ? v : 0), 0), 0);
}

/** The cell of group g's decision at step t: what the policy decides from. */
export type CellOf = (g: number, t: number) => string;

/** Per group, the sum of values in each of its cells over the steps `include` admits. */
function cellSums(values: CurtailValues, cellOf: CellOf, include: (t: number) => boolean) {
  return values.byGroupUsd.map((series, g) => {
    const sums = new Map<string, number>();
    series.forEach((v, t) => {
      if (!include(t)) return;
      const cell = cellOf(g, t);
      sums.set(cell, (sums.get(cell) ?? 0) + v);
    });
    return sums;
  });
}

/**
 * The best policy that decides each group from its cell `cellOf(g, t)` alone, chosen in-sample: Σ_cells max(0, Σ value).
 * An upper bound for every policy whose decision is a function of that cell. Also returns the number of cells used.
 */
export function tableBound(values: CurtailValues, cellOf: CellOf): { usd: number; cells: number } {
  const sums = cellSums(values, cellOf, () => true);
  const usd = sums.reduce((a, m) => a + [...m.values()].reduce((b, v) => b + Math.max(0, v), 0), 0);
  return { usd, cells: new Set(sums.flatMap((m) => [...m.keys()])).size };
}

/**
 * The same table fitted on every fold but one and scored on that fold, for each fold: a decision rule learned from
 * other months (so partly with hindsight), applied where it was not fitted. A cell unseen in training stays on.
 */
export function crossValidatedTable(values: CurtailValues, cellOf: CellOf, foldOf: (t: number) => string): number {
  const folds = new Set(values.byGroupUsd[0]!.map((_, t) => foldOf(t)));
  let usd = 0;
  for (const fold of folds) {
    const trained = cellSums(values, cellOf, (t) => foldOf(t) !== fold);
    usd += policyUsd(values, (g, t) => foldOf(t) === fold && (trained[g]!.get(cellOf(g, t)) ?? 0) > 0);
  }
  return usd;
}

/** The bin index of `value` among ascending `edges` (0 below the first edge). */
export function binOf(value: number | undefined, edges: readonly number[]): number {
  if (value === undefined) return -1;
  let bin = 0;
  while (bin < edges.length && value > edges[bin]!) bin += 1;
  return bin;
}
