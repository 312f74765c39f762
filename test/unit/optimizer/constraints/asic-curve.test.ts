import { addAsicCurve, curveSegments } from '../../../../core/optimizer/constraints/asic-curve.js';
import { emptyLoad } from '../../../../core/optimizer/constraints/step.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../../core/optimizer/solve.js';
import { tinyProblem, tinySite } from '../tiny-site.js';
import { rowsOf, sizeOf, stepContext } from './context.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

describe('ASIC curve family', () => {
  it('reads the segments above the lowest target off the curve', () => {
    // The tiny unit: (1,000 W, 50 TH/s) to (2,000 W, 80 TH/s): one segment 1 kW wide at 30 TH/s per kW.
    expect(curveSegments(tinySite().asicGroups[0]!)).toEqual([{ widthKw: 1, thsPerKw: 30 }]);
  });

  it('adds units on and one power variable per segment, each bounded by the units on, and their IT load', () => {
    // Prepare
    const site = { ...tinySite(), asicGroups: [{ ...tinySite().asicGroups[0]!, sleepPowerW: 20 }] };
    const ctx = stepContext(tinyProblem(site, [40]));
    const load = emptyLoad();
    // Act
    const vars = addAsicCurve(ctx, site.asicGroups[0]!, 0, load);
    // Assess: p ≤ 1 kW · u; asleep units draw 20 W each, a hashing unit 1 kW − 20 W more plus its segment power.
    expect(sizeOf(ctx)).toEqual({ rows: 1, cols: 2 });
    expect(rowsOf(ctx)).toEqual(['+ 1 p_0_1_0 - 1 u_0_0 <= 0']);
    expect(load.constantKw).toBeCloseTo(0.2, 12);
    expect(load.terms.map(([v, kw]) => [v.name, kw])).toEqual([
      ['u_0_0', 0.98],
      ['p_0_1_0', 1],
    ]);
    expect(vars.segments.map((p) => p.name)).toEqual(['p_0_1_0']);
  });

  it('runs the whole curve while the second segment pays and only the lowest target when it does not', () => {
    // Prepare: per unit-hour the first kW earns $0.10 and the second $0.06 (tiny-site.ts). $40/MWh: both pay;
    // $80/MWh: only the first: 10 × (0.16 − 0.08) + 10 × (0.10 − 0.08) = 0.8 + 0.2.
    const problem = tinyProblem(tinySite(), [40, 80]);
    // Act
    const s = solveSite(highs, problem, { mode: 'lp' });
    // Assess: in step 1 the segment row binds (p = 1 kW · u); in step 2 the segment is empty.
    expect(s.objectiveUsd).toBeCloseTo(1.0, 6);
    expect(s.decisions.map((d) => d.asic[0]!.powerPerUnitW)).toEqual([2000, 1000]);
    expect(s.sitePowerKw[0]).toBeCloseTo(20, 6);
    expect(s.sitePowerKw[1]).toBeCloseTo(10, 6);
  });
});
