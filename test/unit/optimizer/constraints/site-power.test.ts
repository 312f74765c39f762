import type { Site } from '../../../../core/model/site.js';
import { addDemandResponse, addSitePower, stepCapKw } from '../../../../core/optimizer/constraints/site-power.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../../core/optimizer/solve.js';
import type { SiteProblem } from '../../../../core/optimizer/types.js';
import { tinyProblem, tinySite } from '../tiny-site.js';
import { rowsOf, sizeOf, stepContext } from './context.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

/** The tiny site enrolled in a demand-response program committing 5 kW at `penaltyUsdPerMwh` for a shortfall. */
function enrolled(penaltyUsdPerMwh: number): Site {
  return {
    ...tinySite(),
    demandResponse: [
      {
        program: 'ERS-30',
        committedMw: 0.005,
        capacityUsdPerMwh: 0,
        shortfallPenaltyUsdPerMwh: penaltyUsdPerMwh,
        responseSeconds: 1800,
      },
    ],
  };
}

/** Two hours at $40/MWh, a deployment in the second, from a 20 kW baseline. */
function deployedInHourTwo(site: Site): SiteProblem {
  const problem = tinyProblem(site, [40, 40], { state: { drBaselineKw: 20 } });
  return { ...problem, horizon: { ...problem.horizon, drDeployed: [false, true] } };
}

describe('site power family', () => {
  it('caps each step at the interconnect or the tighter share of a shared cap', () => {
    const problem = { ...tinyProblem(tinySite({ capKw: 15 }), [40, 40]), capKw: [20, 7.5] };
    expect([stepCapKw(problem, 0), stepCapKw(problem, 1)]).toEqual([15, 7.5]);
  });

  it('adds site power as PUE times the IT load, bounded by the cap', () => {
    // Prepare: PUE 1.5, cap 15 kW; an IT load of 2 kW per unit of x plus 0.4 kW.
    const ctx = stepContext(tinyProblem({ ...tinySite({ capKw: 15 }), pue: 1.5 }, [40]));
    const x = ctx.m.addVar('x', 0, 10);
    // Act
    const power = addSitePower(ctx, { terms: [[x, 2]], constantKw: 0.4 });
    // Assess
    expect(sizeOf(ctx)).toEqual({ rows: 1, cols: 2 });
    expect(rowsOf(ctx)).toEqual(['+ 1 P_0 - 3 x = 0.6']);
    expect(ctx.m.toText()).toContain(' 0 <= P_0 <= 15');
    expect(power.name).toBe('P_0');
  });

  it('adds a shortfall row per program only while a deployment is in force', () => {
    // Prepare
    const problem = deployedInHourTwo(enrolled(500));
    const quiet = stepContext(problem, 0);
    const deployed = stepContext(problem, 1);
    // Act
    const none = addDemandResponse(quiet, quiet.m.addVar('P_0', 0, 20));
    const shortfalls = addDemandResponse(deployed, deployed.m.addVar('P_1', 0, 20));
    // Assess: P ≤ 20 − 5 + shortfall.
    expect(none).toEqual([]);
    expect(sizeOf(quiet)).toEqual({ rows: 0, cols: 1 });
    expect(shortfalls.map((v) => v.name)).toEqual(['sh_0_1']);
    expect(rowsOf(deployed)).toEqual(['+ 1 P_1 - 1 sh_0_1 <= 15']);
  });

  it('underclocks to the share of a shared cap, with facility overhead counted against it', () => {
    // Prepare: PUE 1.5 at $30/MWh (each site kW costs $0.045 per IT kW-hour: both segments pay). Step 1: cap 15 kW,
    // IT 10 kW: 10 units at 1 kW: 1.0 − 15 × 0.03 = 0.55. Step 2: shared-cap share 7.5 kW, IT 5 kW: 5 units at 1 kW
    // (0.50 beats 2.5 units at 2 kW, 0.40): 0.5 − 7.5 × 0.03 = 0.275.
    const problem = { ...tinyProblem({ ...tinySite({ capKw: 15 }), pue: 1.5 }, [30, 30]), capKw: [20, 7.5] };
    // Act
    const s = solveSite(highs, problem, { mode: 'milp' });
    // Assess
    expect(s.objectiveUsd).toBeCloseTo(0.825, 6);
    expect(s.sitePowerKw[0]).toBeCloseTo(15, 6);
    expect(s.sitePowerKw[1]).toBeCloseTo(7.5, 6);
    expect(s.decisions[1]!.asic[0]).toEqual({ groupId: 'tiny-asic', unitsOn: 5, powerPerUnitW: 1000 });
  });

  it('sheds to the commitment when the shortfall penalty is dear and pays it when it is cheap', () => {
    // Prepare: full curve (20 kW) earns 0.8 an hour, 15 kW earns 0.7. A 5 kW shortfall costs 5 × $0.5 = 2.5 at
    // $500/MWh (shed: 0.8 + 0.7) and 5 × $0.01 = 0.05 at $10/MWh (do not: 0.8 + 0.8 − 0.05).
    // Act
    const dear = solveSite(highs, deployedInHourTwo(enrolled(500)));
    const cheap = solveSite(highs, deployedInHourTwo(enrolled(10)));
    // Assess
    expect(dear.objectiveUsd).toBeCloseTo(1.5, 6);
    expect(dear.sitePowerKw[1]).toBeCloseTo(15, 6);
    expect(cheap.objectiveUsd).toBeCloseTo(1.55, 6);
    expect(cheap.sitePowerKw[1]).toBeCloseTo(20, 6);
  });
});
