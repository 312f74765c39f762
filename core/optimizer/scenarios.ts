import { formulateSite, type SiteModelIndex } from './formulate.js';
import type { LpVar } from './lp-text.js';
import { type HighsSolver, type SiteSolution, type SolveOptions, solveFormulated, solveModeFor } from './solve.js';
import type { SiteProblem } from './types.js';

/**
 * Scenario planning for one site (issue 19 item 3): the site's model once per price path, all in one LP whose
 * objective is the paths' mean, with the first step's decisions (units hashing and their power segments, GPUs powered
 * and serving) shared by every path — non-anticipative: what is done now cannot depend on which path comes, what is
 * done later can. The paths' models are the single-path builder's (formulate.ts), joined, not rewritten.
 */

/** The first step's decision variables of a site model, in a fixed order. */
function firstStepDecisions(index: SiteModelIndex): LpVar[] {
  if (index.steps === 0) return [];
  return [
    ...index.unitsOn[0]!,
    ...index.segments[0]!.flat(),
    ...index.gpuPowered[0]!,
    ...index.servingGuaranteed[0]!,
    ...index.servingFlex[0]!,
  ];
}

export class ScenarioProblemError extends Error {}

/**
 * Solves one site over `paths` (its problem per price path; the same site, state and horizon layout, only prices
 * differ) maximising the mean objective, the first step shared. The decisions returned are the first path's (its
 * first step is every path's). Ancillary offers and bids are refused: their first-step variables are not shared.
 */
export function solveSiteScenarios(
  highs: HighsSolver,
  paths: readonly SiteProblem[],
  options: SolveOptions = {},
): SiteSolution {
  const first = paths[0];
  if (!first) throw new ScenarioProblemError('paths: at least one price path is needed');
  for (const [j, p] of paths.entries()) {
    if (p.site !== first.site || p.state !== first.state) {
      throw new ScenarioProblemError(`paths[${j}]: every path must plan the same site from the same state`);
    }
    if (p.horizon.stepHours.length !== first.horizon.stepHours.length) {
      throw new ScenarioProblemError(`paths[${j}].horizon: every path must have the same steps`);
    }
    if (p.ancillary || p.bids?.length) {
      throw new ScenarioProblemError(`paths[${j}]: ancillary offers and bids are not planned over scenarios`);
    }
  }
  const mode = solveModeFor(first, options, paths.length);
  const index = formulateSite(first, mode === 'milp');
  const weight = 1 / paths.length;
  index.model.scaleObjective(weight);
  const shared = firstStepDecisions(index);
  for (let j = 1; j < paths.length; j += 1) {
    const other = formulateSite(paths[j]!, mode === 'milp');
    const copy = index.model.merge(other.model, `p${j}_`, weight);
    firstStepDecisions(other).forEach((v, i) => {
      index.model.addRow(
        [
          [shared[i]!, 1],
          [copy(v), -1],
        ],
        '=',
        0,
      );
    });
  }
  return solveFormulated(highs, first, index, mode, options);
}
