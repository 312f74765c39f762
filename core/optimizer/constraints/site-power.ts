import { drCeilingKw, siteCapKw } from '../../model/site.js';
import type { LpVar } from '../lp-text.js';
import type { SiteProblem } from '../types.js';
import type { ItLoad, StepContext } from './step.js';

/**
 * Site power in step t: P = PUE·(IT load) ≤ cap, where the cap is the interconnect or a tighter share of a shared cap.
 * During a demand-response deployment, for each program: P ≤ baseline − committed + shortfall, the shortfall priced
 * at the program's penalty in the objective.
 */
export function stepCapKw(problem: SiteProblem, t: number): number {
  return siteCapKw(problem.site, problem.capKw?.[t]);
}

export function addSitePower(ctx: StepContext, load: ItLoad): LpVar {
  const { m, t, problem } = ctx;
  const pue = problem.site.pue;
  const power = m.addVar(`P_${t}`, 0, stepCapKw(problem, t));
  m.addRow([[power, 1], ...load.terms.map(([v, c]) => [v, -c * pue] as const)], '=', load.constantKw * pue);
  return power;
}

/** One shortfall variable per program while a deployment is in force in step t; none otherwise. */
export function addDemandResponse(ctx: StepContext, power: LpVar): LpVar[] {
  const { m, t, problem } = ctx;
  if (!problem.horizon.drDeployed[t]) return [];
  return problem.site.demandResponse.map((dr, e) => {
    const shortfall = m.addVar(`sh_${e}_${t}`, 0, Number.POSITIVE_INFINITY);
    m.addRow(
      [
        [power, 1],
        [shortfall, -1],
      ],
      '<=',
      drCeilingKw(problem.state.drBaselineKw, dr),
    );
    return shortfall;
  });
}
