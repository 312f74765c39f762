import fc from 'fast-check';
import { DEMAND_SCENARIOS } from '../../../core/demand/scenarios.js';
import { breakevenPriceUsdPerMwh, efficiencyJPerTh } from '../../../core/economics/energy.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { ERCOT_SHARED_PRICE_COLUMNS } from '../../../core/market-data/series.js';
import {
  crossValidatedTable,
  curtailValues,
  foresightByClass,
  foresightUsd,
  intervalClass,
  PUBLISHED_LAG_STEPS,
  policyUsd,
  tableBound,
} from '../../../sim/backtest/causal-bound.js';
import { loadBacktestData } from '../../../sim/backtest/data.js';
import { ERCOT_PRICE_FILE, HASHPRICE_FILE } from '../../../sim/data/market-files.js';

// One site of the reference fleet, its first group only: breakeven ≈ $113/MWh at $0.05/TH/s/day.
const site = { ...referenceFleet.sites[0]!, asicGroups: [referenceFleet.sites[0]!.asicGroups[0]!] };
const group = site.asicGroups[0]!;
const HASHPRICE = 0.05;
const breakeven = breakevenPriceUsdPerMwh(
  HASHPRICE,
  efficiencyJPerTh(group.nominalPowerW, group.nominalHashrateThs),
  site.pue,
);
const values = (prices: readonly number[]) =>
  curtailValues(
    [site],
    prices,
    prices.map(() => HASHPRICE),
    15,
  );
const published = (prices: readonly number[]) => (t: number) => prices[t - PUBLISHED_LAG_STEPS];

describe('causal bound on the foresight value (issue 19)', () => {
  it('values sleeping a group at power × duration × (price − breakeven), less the sleep draw', () => {
    // Prepare
    const runMw = (group.unitCount * group.nominalPowerW * site.pue) / 1e6;
    const sleepMw = (group.unitCount * group.sleepPowerW * site.pue) / 1e6;
    // Act
    const [atBreakeven, atDouble] = values([breakeven, 2 * breakeven]).byGroupUsd[0]!;
    // Assess
    expect(atBreakeven).toBeCloseTo(-sleepMw * 0.25 * breakeven, 6);
    expect(atDouble).toBeCloseTo(runMw * 0.25 * breakeven - sleepMw * 0.25 * 2 * breakeven, 6);
  });

  it('classes an interval by its own price and the last published one against breakeven', () => {
    expect(intervalClass(200, 50, 100)).toBe('onset');
    expect(intervalClass(200, undefined, 100)).toBe('onset');
    expect(intervalClass(200, 150, 100)).toBe('continuation');
    expect(intervalClass(50, 150, 100)).toBe('exit');
    expect(intervalClass(50, 60, 100)).toBe('below');
  });

  it('puts a lone one-interval spike wholly in onsets: a rule on the published price earns nothing from it', () => {
    // Prepare: calm at $30 with one $1,000 interval at step 6
    const prices = Array.from({ length: 12 }, (_, t) => (t === 6 ? 1000 : 30));
    const v = values(prices);
    // Act
    const byClass = foresightByClass(v, prices, published(prices));
    const strike = policyUsd(v, (_g, t) => (published(prices)(t) ?? 0) > breakeven);
    // Assess: all foresight value is in the onset; the rule sleeps at step 8, after the spike, and loses there
    expect(byClass.onset.foresightUsd).toBeCloseTo(foresightUsd(v), 6);
    expect(byClass.continuation.foresightUsd).toBe(0);
    expect(byClass.onset.steps).toBe(1);
    expect(strike).toBeLessThan(0);
  });

  it('bounds every policy that decides from the same cells, and reaches the foresight value with one cell per step', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -50, max: 3000, noNaN: true }), { minLength: 4, maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.func(fc.boolean()),
        (prices, cellCount, decide) => {
          const v = values(prices);
          const cellOf = (_g: number, t: number) => String(t % cellCount);
          const bound = tableBound(v, cellOf).usd;
          // Any table on the same cells earns at most the bound; the bound is at most the foresight value.
          expect(policyUsd(v, (g, t) => decide(cellOf(g, t)))).toBeLessThanOrEqual(bound + 1e-6);
          expect(bound).toBeLessThanOrEqual(foresightUsd(v) + 1e-6);
          expect(tableBound(v, (_g, t) => String(t)).usd).toBeCloseTo(foresightUsd(v), 6);
        },
      ),
    );
  });

  it('scores a table fitted on the other folds only on the fold it did not see', () => {
    // Prepare: fold A spikes at the even steps, fold B at the odd ones: a table learned from one is wrong in the other
    const prices = Array.from({ length: 16 }, (_, t) => ((t < 8 ? t % 2 === 0 : t % 2 === 1) ? 1000 : 30));
    const v = values(prices);
    const parity = (_g: number, t: number) => String(t % 2);
    const fold = (t: number) => (t < 8 ? 'A' : 'B');
    // Act
    const inSample = tableBound(v, parity).usd;
    const outOfSample = crossValidatedTable(v, parity, fold);
    // Assess: in-sample both parities look worth sleeping; out of sample each fold sleeps on the wrong parity
    expect(inSample).toBeGreaterThan(0);
    expect(outOfSample).toBeLessThan(0);
  });

  it('finds December 2024 of the shipped file unreachable for a policy on published prices: one unsignalled interval', () => {
    // Prepare: the shipped file's December, the whole file before it as history
    const december = loadBacktestData({
      pricesFile: ERCOT_PRICE_FILE,
      hashpriceFile: HASHPRICE_FILE,
      priceColumns: ERCOT_SHARED_PRICE_COLUMNS,
      stepMinutes: 15,
      fromMs: Date.parse('2024-12-01T06:00:00Z'),
      toMs: Date.parse('2025-01-01T06:00:00Z'),
      fleet: referenceFleet,
      demand: DEMAND_SCENARIOS.steady!,
    });
    const prices = december.truth.priceUsdPerMwh;
    const v = curtailValues(december.sites, prices, december.truth.hashpriceUsdPerThDay, 15);
    const lastPublished = (t: number) => december.market.rtUsdPerMwh[december.marketOffset + t - PUBLISHED_LAG_STEPS];
    // Act
    const byClass = foresightByClass(v, prices, lastPublished);
    const spike = prices.indexOf(Math.max(...prices));
    const inSpike = v.byGroupUsd.reduce((a, series) => a + Math.max(0, series[spike]!), 0);
    // Assess: every $ of curtailment value is in onsets, and almost all of it in one interval: 2024-12-14 17:30
    // Central at $1,424.90/MWh; at its decision the last published price was 17:00's $58.38, its day-ahead price $50.53,
    // and the interval after it settled at $46.26
    expect(byClass.onset.foresightUsd).toBeCloseTo(foresightUsd(v), 6);
    expect(byClass.continuation.foresightUsd).toBe(0);
    expect(new Date(december.startMs + spike * 15 * 60_000).toISOString()).toBe('2024-12-14T23:30:00.000Z');
    expect(inSpike / foresightUsd(v)).toBeGreaterThan(0.95);
    expect(lastPublished(spike)).toBeLessThan(60);
    expect(december.market.daUsdPerMwh![december.marketOffset + spike]).toBeLessThan(60);
    // The rule that sleeps while the published price is above breakeven earns nothing in December, it only loses.
    const rule = policyUsd(v, (g, t) => (lastPublished(t) ?? 0) > v.breakevenUsdPerMwh[g]![t]!);
    expect(rule).toBeLessThanOrEqual(0);
  });
});
