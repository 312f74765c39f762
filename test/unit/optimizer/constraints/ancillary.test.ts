import type { AncillaryProduct } from '../../../../core/ancillary/products.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../../core/optimizer/solve.js';
import type { AncillaryProductTerms, SiteProblem } from '../../../../core/optimizer/types.js';
import { tinyProblem, tinySite } from '../tiny-site.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

/**
 * The tiny site (10 units, 1,000 W → 50 TH/s and 2,000 W → 80 TH/s, hashprice $0.002 per TH/s-hour: mining earns
 * $100/MWh on the first segment, $60/MWh on the second) for one hour at `energyUsdPerMwh`, offering `product`.
 */
function offering(
  energyUsdPerMwh: number,
  term: Partial<AncillaryProductTerms> & { product: AncillaryProduct },
  frequencyTrip = false,
): SiteProblem {
  const site = tinySite();
  const withTrip = { ...site, asicGroups: site.asicGroups.map((g) => ({ ...g, frequencyTrip })) };
  return {
    ...tinyProblem(withTrip, [energyUsdPerMwh]),
    ancillary: {
      products: [{ priceUsdPerMwh: [0], maxOfferMw: 1, deploymentProbability: 0, ...term }],
    },
  };
}

const solved = (problem: SiteProblem) => {
  const solution = solveSite(highs, problem, { mode: 'lp' });
  return { decision: solution.decisions[0]!, powerKw: solution.sitePowerKw[0]! };
};

describe('ancillary offers family', () => {
  it('keeps ASICs on that energy alone would sleep when the capacity price pays for them, and offers their load', () => {
    // Prepare: at $150/MWh mining loses money on every segment; ECRS at $200/MW-h pays for holding the load.
    const energyOnly = offering(150, { product: 'ECRS', maxOfferMw: 0 });
    const withEcrs = offering(150, { product: 'ECRS', priceUsdPerMwh: [200] });
    // Act
    const before = solved(energyOnly);
    const after = solved(withEcrs);
    // Assess
    expect(before.powerKw).toBeCloseTo(0, 6);
    expect(before.decision.ancillary).toBeUndefined();
    expect(after.powerKw).toBeCloseTo(20, 6);
    expect(after.decision.asic[0]!.unitsOn).toBe(10);
    expect(after.decision.ancillary).toEqual([{ product: 'ECRS', offeredMw: 0.02, assumedPriceUsdPerMwh: 200 }]);
  });

  it('offers nothing at a zero capacity price, and the energy decision is the one without ancillary services', () => {
    // Prepare
    const energyOnly = offering(80, { product: 'NSPIN', maxOfferMw: 0 });
    const free = offering(80, { product: 'NSPIN', priceUsdPerMwh: [0], deploymentProbability: 0.01 });
    // Act
    const a = solved(energyOnly);
    const b = solved(free);
    // Assess
    expect(b.decision.ancillary).toEqual([{ product: 'NSPIN', offeredMw: 0, assumedPriceUsdPerMwh: 0 }]);
    expect(b.powerKw).toBeCloseTo(a.powerKw, 6);
  });

  it('offers no more than the qualified MW, and holds only what the offer needs', () => {
    // Prepare: 15 kW qualified; beyond it the second segment earns $60/MWh against $150 energy.
    const problem = offering(150, { product: 'ECRS', priceUsdPerMwh: [200], maxOfferMw: 0.015 });
    // Act
    const { decision, powerKw } = solved(problem);
    // Assess
    expect(decision.ancillary?.[0]?.offeredMw).toBe(0.015);
    expect(powerKw).toBeCloseTo(15, 6);
  });

  it('offers under-frequency response only from groups the gateway trips locally', () => {
    // Act
    const notTripped = solved(offering(150, { product: 'RRS-UFR', priceUsdPerMwh: [200] }, false));
    const tripped = solved(offering(150, { product: 'RRS-UFR', priceUsdPerMwh: [200] }, true));
    // Assess
    expect(notTripped.decision.ancillary).toBeUndefined();
    expect(notTripped.powerKw).toBeCloseTo(0, 6);
    expect(tripped.decision.ancillary?.[0]?.offeredMw).toBe(0.02);
  });

  it('does not offer in a step whose price is not known yet', () => {
    // Act
    const { decision, powerKw } = solved(offering(150, { product: 'ECRS', priceUsdPerMwh: [undefined] }));
    // Assess
    expect(decision.ancillary).toBeUndefined();
    expect(powerKw).toBeCloseTo(0, 6);
  });

  it('sells the same kW to one product only', () => {
    // Prepare: two products at $200/MW-h, each qualified for 20 kW, on a 20 kW site.
    const problem = offering(150, { product: 'ECRS', priceUsdPerMwh: [200] });
    const both = {
      ...problem,
      ancillary: {
        products: [
          ...problem.ancillary!.products,
          { product: 'NSPIN' as const, priceUsdPerMwh: [200], maxOfferMw: 1, deploymentProbability: 0 },
        ],
      },
    };
    // Act
    const { decision } = solved(both);
    // Assess
    const total = (decision.ancillary ?? []).reduce((a, o) => a + o.offeredMw, 0);
    expect(total).toBeCloseTo(0.02, 6);
  });

  it('weighs the expected deployment: a likely deployment of a profitable load costs its mining', () => {
    // Prepare: energy $20/MWh; a deployed kW loses its mining at the stock point ($80/MWh) less the energy not bought:
    // $60/MWh. Paid $30/MW-h: worth holding when never deployed, not when always deployed.
    const likely = offering(20, { product: 'ECRS', priceUsdPerMwh: [30], deploymentProbability: 1 });
    const never = offering(20, { product: 'ECRS', priceUsdPerMwh: [30], deploymentProbability: 0 });
    // Act
    const a = solved(likely);
    const b = solved(never);
    // Assess: never deployed, the whole load is offered; always deployed, mining lost exceeds the payment.
    expect(b.decision.ancillary?.[0]?.offeredMw).toBe(0.02);
    expect(a.decision.ancillary?.[0]?.offeredMw).toBe(0);
    expect(a.powerKw).toBeCloseTo(20, 6);
  });

  it('holds an ERS contract unless the shortfall costs less than the energy', () => {
    // Prepare: ERS-30, 10 kW contracted at $12/MW-h, $500/MWh penalty, deployed 0 % of the time.
    const ers = (energy: number) =>
      offering(energy, {
        product: 'ERS-30',
        priceUsdPerMwh: [12],
        maxOfferMw: 0.01,
        heldMw: 0.01,
        shortfallPenaltyUsdPerMwh: 500,
      });
    // Act: at $105/MWh the first segment loses $5/MWh < $12 paid: held; at $150 it loses $50 > $12: let go.
    const held = solved(ers(105));
    const dropped = solved(ers(150));
    // Assess
    expect(held.decision.ancillary?.[0]?.offeredMw).toBe(0.01);
    expect(held.powerKw).toBeCloseTo(10, 6);
    expect(dropped.decision.ancillary?.[0]?.offeredMw).toBe(0);
  });

  it('does not hold an ERS contract through a deployment: the load is shed and no shortfall is charged', () => {
    // Prepare: ERS-30, 10 kW contracted, deployed in the step from a 15 kW baseline (ceiling 5 kW).
    const problem = offering(105, {
      product: 'ERS-30',
      priceUsdPerMwh: [12],
      maxOfferMw: 0.01,
      heldMw: 0.01,
      shortfallPenaltyUsdPerMwh: 500,
    });
    const enrolment = {
      program: 'ERS-30' as const,
      committedMw: 0.01,
      capacityUsdPerMwh: 12,
      shortfallPenaltyUsdPerMwh: 500,
      responseSeconds: 1800,
    };
    const deployed: SiteProblem = {
      ...problem,
      site: { ...problem.site, demandResponse: [enrolment] },
      state: { ...problem.state, drBaselineKw: 15 },
      horizon: { ...problem.horizon, drDeployed: [true] },
    };
    const { ancillary: _, ...energyOnly } = deployed;
    // Act
    const withContract = solveSite(highs, deployed, { mode: 'lp' });
    const without = solveSite(highs, energyOnly, { mode: 'lp' });
    // Assess: at most the ceiling, and the same objective as without the contract term (no hold shortfall charged).
    expect(withContract.sitePowerKw[0]).toBeLessThanOrEqual(5 + 1e-6);
    expect(withContract.objectiveUsd).toBeCloseTo(without.objectiveUsd, 9);
  });
});
