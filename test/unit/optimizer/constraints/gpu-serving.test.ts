import type { Site } from '../../../../core/model/site.js';
import { addGpuPool, type ServingCapacity } from '../../../../core/optimizer/constraints/gpu-serving.js';
import { emptyLoad } from '../../../../core/optimizer/constraints/step.js';
import { type HighsSolver, loadHighs, solveSite } from '../../../../core/optimizer/solve.js';
import { tinyProblem, tinySite } from '../tiny-site.js';
import { rowsOf, sizeOf, stepContext } from './context.js';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

/** The tiny site's 10 GPUs (idle 100 W, serving 500 W, one H100-equivalent each) with a weight-loading time. */
function gpusWarmingUp(modelWarmupSeconds: number): Site {
  const site = tinySite({ gpus: true });
  return { ...site, gpuPools: [{ ...site.gpuPools[0]!, modelWarmupSeconds }] };
}

describe('GPU serving family', () => {
  it('adds GPUs powered, serving per class and powered up, with the start and warm-up rows and their load', () => {
    // Prepare: 30-min warm-up in a 1-hour step: a GPU powered up serves half the step. 6 GPUs powered now.
    const site = gpusWarmingUp(1800);
    const ctx = stepContext(tinyProblem(site, [40], { state: { gpusPowered: { 'tiny-gpu': 6 } } }));
    const load = emptyLoad();
    const capacity: ServingCapacity = { guaranteed: [], flex: [], bids: new Map() };
    // Act
    addGpuPool(ctx, site.gpuPools[0]!, 0, undefined, load, capacity);
    // Assess
    expect(sizeOf(ctx)).toEqual({ rows: 2, cols: 4 });
    expect(rowsOf(ctx)).toEqual(['+ 1 gs_0_0 - 1 w_0_0 >= -6', '+ 1 sg_0_0 + 1 sf_0_0 + 0.5 gs_0_0 - 1 w_0_0 <= 0']);
    expect(load.terms.map(([v, kw]) => [v.name, kw])).toEqual([
      ['w_0_0', 0.1],
      ['sg_0_0', 0.4],
      // A GPU powered up draws 15% of its serving span above idle while warming: 0.5 × 0.15 × 0.4 kW over the step.
      ['gs_0_0', 0.03],
      ['sf_0_0', 0.4],
    ]);
    // One H100-equivalent GPU serves one GPU-hour of work per hour.
    expect(capacity.guaranteed.map(([v, c]) => [v.name, c])).toEqual([['sg_0_0', -1]]);
    expect(capacity.flex.map(([v, c]) => [v.name, c])).toEqual([['sf_0_0', -1]]);
  });

  it('powers extra GPUs to cover the warm-up of those powered up', () => {
    // Prepare: GPUs off, 4 GPU-hours of guaranteed work in each of two hours at $40/MWh, ASICs priced out.
    // No warm-up: 4 GPUs both hours: 2 × 12 − 2 × 2 kW × 0.04 − 4 starts × $0.05 = 23.64.
    // 30-min warm-up: 8 GPUs in hour 1 (each powered up serves half of it), 4 in hour 2:
    // 24 − (2.4 + 2.0) kW × 0.04 − 8 × 0.05 = 23.424, less the 8 warm-ups' draw: 8 × 0.03 kW × 0.04 → 23.4144.
    const run = (warmupSeconds: number) => {
      const problem = tinyProblem(gpusWarmingUp(warmupSeconds), [40, 40], {
        guaranteed: [4, 4],
        state: { gpusPowered: { 'tiny-gpu': 0 } },
      });
      return solveSite(highs, { ...problem, horizon: { ...problem.horizon, hashpriceUsdPerThDay: [0, 0] } });
    };
    // Act
    const instant = run(0);
    const warming = run(1800);
    // Assess
    expect(instant.objectiveUsd).toBeCloseTo(23.64, 6);
    expect(warming.objectiveUsd).toBeCloseTo(23.4144, 6);
    expect(warming.decisions.map((d) => d.gpu[0]!.gpusPowered)).toEqual([8, 4]);
    expect(warming.decisions.map((d) => d.gpu[0]!.servingGuaranteed)).toEqual([4, 4]);
  });
});
