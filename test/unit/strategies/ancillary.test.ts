import { ercotDeploymentProbabilities } from '../../../core/ancillary/deployment-history.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { viewFromHistory } from '../../../core/market-data/history.js';
import { ERCOT_PUBLICATION, type KnownAtView } from '../../../core/market-data/known-at.js';
import { planSchema } from '../../../core/model/plan.js';
import { toPlan } from '../../../core/optimizer/dispatch.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../core/optimizer/solve.js';
import { scoreAncillary } from '../../../core/strategies/ancillary-score.js';
import { ancillaryTermsFor } from '../../../core/strategies/ancillary-terms.js';
import { emptyTotals } from '../../../core/strategies/simulate.js';
import { tinyProblem, tinySite } from '../optimizer/tiny-site.js';

const WEST = referenceFleet.sites[0]!;
const planning = { deploymentProbability: ercotDeploymentProbabilities() };
const START = Date.parse('2025-02-19T06:00:00Z');
const STEP_MS = 15 * 60_000;

/** A known view whose ECRS price is known for the first `knownSteps` 15-minute intervals at $5/MW-h. */
function viewWithEcrs(knownSteps: number): KnownAtView {
  const base = { startMs: START, stepMinutes: 15, rtUsdPerMwh: [], hashpriceUsdPerThDay: 0.05, gridEvents: [] };
  return {
    ...base,
    asOfMs: START,
    ancillaryUsdPerMwh: { market: 'dam', byProduct: { ECRS: new Array<number>(knownSteps).fill(5) } },
  };
}

describe('the ancillary terms the planner hands the optimizer', () => {
  it('prices each qualified product per horizon block, unknown where any interval of the block is unpublished', () => {
    // Act: blocks of 1, 1, 4, 4 grid steps; ECRS known for the first 6 intervals.
    const terms = ancillaryTermsFor(WEST, viewWithEcrs(6), 0, [1, 1, 4, 4], planning);
    // Assess: ECRS known in the first three blocks; RRS and Non-Spin have no price; the ERS-30 contract is held.
    const byProduct = Object.fromEntries(terms!.products.map((p) => [p.product, p]));
    expect(byProduct.ECRS!.priceUsdPerMwh).toEqual([5, 5, 5, undefined]);
    expect(byProduct['RRS-UFR']!.priceUsdPerMwh).toEqual([undefined, undefined, undefined, undefined]);
    expect(byProduct['ERS-30']).toMatchObject({ heldMw: 8, maxOfferMw: 8, priceUsdPerMwh: [12, 12, 12, 12] });
    expect(byProduct.ECRS!.maxOfferMw).toBe(8);
  });

  it('leaves a site energy-only when it is not qualified or no capacity price is known', () => {
    // Prepare
    const { ancillary: _, ...unqualified } = WEST;
    const { ancillaryUsdPerMwh: __, ...noPrices } = viewWithEcrs(6);
    // Assess
    expect(ancillaryTermsFor(unqualified, viewWithEcrs(6), 0, [1], planning)).toBeUndefined();
    expect(ancillaryTermsFor(WEST, noPrices, 0, [1], planning)).toBeUndefined();
  });

  it('reads DAM capacity prices stored in the market history only once the DAM has posted them', () => {
    // Prepare: 2025-02-20's ECRS price stored in the history of 2025-02-19.
    const points = Array.from({ length: 192 }, (_, i) => ({
      intervalStartMs: START + i * STEP_MS,
      ...(i < 96 ? { rtUsdPerMwh: 30 } : { asEcrsUsdPerMwh: 270 }),
    }));
    const view = (asOfIso: string) =>
      viewFromHistory(points, {
        stepMinutes: 15,
        publication: ERCOT_PUBLICATION,
        asOfMs: Date.parse(asOfIso),
        hashpriceUsdPerThDay: 0.05,
        gridEvents: [],
      })!.view.ancillaryUsdPerMwh!.byProduct.ECRS!;
    // Assess: at 13:00 CST the next day's prices are not out; at 14:00 they are.
    expect(view('2025-02-19T19:00:00Z').filter(Number.isFinite)).toEqual([]);
    expect(view('2025-02-19T20:00:00Z').filter(Number.isFinite)).toHaveLength(96);
  });
});

describe('a plan made by the co-optimised planner', () => {
  let highs: HighsSolver;
  beforeAll(async () => {
    highs = await loadHighs();
  });

  it('records each interval’s offers and the price assumed, and still parses', () => {
    // Prepare: the tiny site at $150/MWh with ECRS at $200/MW-h for two hourly steps.
    const problem = {
      ...tinyProblem(tinySite(), [150, 150]),
      ancillary: {
        products: [{ product: 'ECRS' as const, priceUsdPerMwh: [200, 200], maxOfferMw: 1, deploymentProbability: 0 }],
      },
    };
    const solution = solveSite(highs, problem, { mode: 'lp' });
    // Act
    const plan = toPlan(
      { sites: [problem] },
      { sites: [solution], objectiveUsd: 0, solveMs: 0, mode: 'lp', mipGapPct: 0, rows: 0, cols: 0, integers: 0 },
      { version: 1, createdAtMs: START, horizonStartMs: START, intervalMinutes: 30, gpuRevenueUsdPerGpuHour: 2 },
    );
    // Assess: two 30-minute intervals per hourly step, each offering the 20 kW held.
    expect(planSchema.parse(plan).sites[0]!.ancillaryOffers).toEqual(
      [0, 1, 2, 3].map((k) => ({
        product: 'ECRS',
        offeredMw: 0.02,
        assumedPriceUsdPerMwh: 200,
        intervalStartMs: START + k * 30 * 60_000,
      })),
    );
  });
});

describe('scoring ancillary offers on the truth', () => {
  const site = tinySite();
  const group = site.asicGroups[0]!;
  // 10 units at 2,000 W earning $1.60 in the hour: $80/MWh of site energy.
  const runs = [{ g: group, on: 10, perUnitW: 2000 }];
  const truth = {
    priceUsdPerMwh: { ECRS: 10 },
    deploymentProbability: { ...planning.deploymentProbability, ECRS: 0.1 },
  };
  const offer = (offeredMw: number) => ({
    asic: [],
    gpu: [],
    ancillary: [{ product: 'ECRS' as const, offeredMw, assumedPriceUsdPerMwh: 9 }],
  });

  it('pays the clearing price and counts the expected mining lost net of the energy not bought', () => {
    // Prepare
    const totals = emptyTotals();
    // Act: 0.02 MW for an hour at energy $30/MWh.
    scoreAncillary(site, offer(0.02), runs, 1.6, 30, 1, truth, totals);
    // Assess: $10 × 0.02; 0.1 × 0.02 MWh × ($80 − $30).
    expect(totals.ancillaryRevenueUsd).toBeCloseTo(0.2, 9);
    expect(totals.expectedDeploymentCostUsd).toBeCloseTo(0.1, 9);
    expect(totals.ancillaryShortfallMwh).toBe(0);
  });

  it('claws back the payment for MW offered beyond the load running above sleep', () => {
    // Prepare
    const totals = emptyTotals();
    // Act: 0.03 MW offered with 0.02 MW running.
    scoreAncillary(site, offer(0.03), runs, 1.6, 30, 1, truth, totals);
    // Assess: paid for 0.02 MW only.
    expect(totals.ancillaryShortfallMwh).toBeCloseTo(0.01, 9);
    expect(totals.ancillaryRevenueUsd).toBeCloseTo(0.2, 9);
  });
});
