import { addAsicCurve } from '../../../../core/optimizer/constraints/asic-curve.js';
import { addDemand } from '../../../../core/optimizer/constraints/demand.js';
import { priceStep } from '../../../../core/optimizer/constraints/objective.js';
import { addSitePower } from '../../../../core/optimizer/constraints/site-power.js';
import { emptyLoad } from '../../../../core/optimizer/constraints/step.js';
import { addUnitStarts } from '../../../../core/optimizer/constraints/unit-commitment.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../../core/optimizer/solve.js';
import { tinyProblem, tinySite } from '../tiny-site.js';
import { sizeOf, stepContext } from './context.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

describe('objective family', () => {
  it('prices the variables of a step without adding rows or columns', () => {
    // Prepare: one 1-hour step at $40/MWh and a 50% 4CP probability, $0.05 wear per start.
    const site = tinySite({ wear: 0.05 });
    const base = tinyProblem(site, [40]);
    const ctx = stepContext({ ...base, horizon: { ...base.horizon, peakProbability: [0.5] } });
    const load = emptyLoad();
    const curve = addAsicCurve(ctx, site.asicGroups[0]!, 0, load);
    const starts = addUnitStarts(ctx, site.asicGroups[0]!, 0, curve.unitsOn, undefined);
    const demand = addDemand(ctx, { guaranteed: [], flex: [], bids: new Map() }, undefined);
    const power = addSitePower(ctx, load);
    const before = sizeOf(ctx);
    // Act
    priceStep(ctx, { asic: [{ ...curve, ...starts }], gpu: [], demand, power, shortfalls: [] });
    // Assess: TH/s × $0.048/TH/day / 24 per unit and per segment kW; wear; class prices and SLA penalties; energy
    // $0.04/kWh plus 0.5 × $16,500/MW / 1000 = $8.25 per kW of expected 4CP cost.
    expect(sizeOf(ctx)).toEqual(before);
    const objective = ctx.m.toText().split('\nSubject To')[0];
    expect(objective).toBe(
      'Maximize\n obj: + 0.1 u_0_0 + 0.06 p_0_1_0 - 0.05 up_0_0 + 3 wg_0 - 12 dg_0 + 1.5 wf_0 - 3 df_0 - 8.29 P_0',
    );
  });

  it('stops mining in a likely 4CP peak and sees the coupling price as energy', () => {
    // Prepare: two hours at $40/MWh. Hour 2 a certain 4CP peak ($16.5 per kW): all asleep; or a $50 coupling price
    // ($90 in all: only the first segment pays, 10 × (0.10 − 0.09)).
    const base = tinyProblem(tinySite(), [40, 40]);
    const peak = { ...base, horizon: { ...base.horizon, peakProbability: [0, 1] } };
    const coupled = { ...base, couplingPriceUsdPerMwh: [0, 50] };
    // Act
    const sPeak = solveSite(highs, peak);
    const sCoupled = solveSite(highs, coupled);
    // Assess
    expect(sPeak.objectiveUsd).toBeCloseTo(0.8, 6);
    expect(sPeak.decisions[1]!.asic[0]!.unitsOn).toBe(0);
    expect(sCoupled.objectiveUsd).toBeCloseTo(0.9, 6);
    expect(sCoupled.decisions[1]!.asic[0]!.powerPerUnitW).toBe(1000);
  });

  it("weighs a likely peak at the site's own transmission rate", () => {
    // Prepare: a 50% peak in hour 2. At the default $66/kW-year ($16.5/kW per peak) it costs $8.25/kW, more than the
    // hashing margin: asleep. A utility at $0.4/kW-year ($0.1/kW per peak, $0.05/kW expected) keeps it mining.
    const cheap = { ...tinySite(), transmissionUsdPerKwYear: 0.4 };
    const base = tinyProblem(tinySite(), [40, 40]);
    const horizon = { ...base.horizon, peakProbability: [0, 0.5] };
    // Act
    const atDefault = solveSite(highs, { ...base, horizon });
    const atCheap = solveSite(highs, { ...base, site: cheap, horizon });
    // Assess
    expect(atDefault.decisions[1]!.asic[0]!.unitsOn).toBe(0);
    expect(atCheap.decisions[1]!.asic[0]!.unitsOn).toBeGreaterThan(0);
  });
});
