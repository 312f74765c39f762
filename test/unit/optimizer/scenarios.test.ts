import { ScenarioProblemError, solveSiteScenarios } from '../../../core/optimizer/scenarios.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../core/optimizer/solve.js';
import { tinyProblem, tinySite } from './tiny-site.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

/**
 * The tiny site's units earn $0.10 an hour at 1,000 W (50 TH/s at $0.002 per TH/s-hour) and $0.16 at 2,000 W: at
 * $160/MWh they sleep, at $20 they run flat out, at the mean of the two, $90, they run at 1,000 W (+$0.01 a unit,
 * against −$0.02 at 2,000 W).
 */
describe('scenario planning over price paths', () => {
  const site = tinySite({ units: 10 });
  const high = tinyProblem(site, [160, 160]);
  const low = tinyProblem(site, [20, 20], { state: high.state });

  it('shares a first step that hedges between the paths, and maximises their mean', () => {
    // Act
    const alone = [solveSite(highs, high), solveSite(highs, low)];
    const joint = solveSiteScenarios(highs, [high, { ...low, state: high.state }]);
    // Assess: alone, the high path sleeps and the low one runs at 2,000 W; together, the first step runs at 1,000 W.
    expect(alone[0]!.decisions[0]!.asic[0]!.unitsOn).toBe(0);
    expect(alone[1]!.decisions[0]!.asic[0]).toMatchObject({ unitsOn: 10, powerPerUnitW: 2000 });
    expect(joint.decisions[0]!.asic[0]).toMatchObject({ unitsOn: 10 });
    expect(joint.decisions[0]!.asic[0]!.powerPerUnitW).toBeCloseTo(1000, 6);
    // The mean: step 1 shared at 1,000 W (+$0.10 over the paths' mean price), then the high path sleeps ($0) and the
    // low one runs flat out (+$1.20): 0.10 + (0 + 1.20) / 2 = $0.70, below the anticipative (0 + 2.40) / 2 = $1.20.
    expect(joint.objectiveUsd).toBeCloseTo(0.7, 6);
    expect((alone[0]!.objectiveUsd + alone[1]!.objectiveUsd) / 2).toBeCloseTo(1.2, 6);
  });

  it('is the single-path plan when given one path', () => {
    // Act
    const joint = solveSiteScenarios(highs, [low]);
    const alone = solveSite(highs, low);
    // Assess
    expect(joint.decisions).toEqual(alone.decisions);
    expect(joint.objectiveUsd).toBeCloseTo(alone.objectiveUsd, 9);
  });

  it('refuses paths that do not plan the same site and state', () => {
    // Act / Assess
    expect(() => solveSiteScenarios(highs, [])).toThrow(ScenarioProblemError);
    expect(() => solveSiteScenarios(highs, [high, tinyProblem(site, [20, 20])])).toThrow(/paths\[1\]: every path/);
    expect(() => solveSiteScenarios(highs, [high, { ...high, horizon: tinyProblem(site, [1]).horizon }])).toThrow(
      /paths\[1\]\.horizon/,
    );
  });
});
