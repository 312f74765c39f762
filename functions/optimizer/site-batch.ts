import type { Plan } from '../../core/model/plan.js';
import type { Fleet } from '../../core/model/site.js';
import type { PlanSolver, SolveRequest } from './ports.js';

/**
 * The one boundary between the OptimizeFlow's Map and the solve: a batch of sites solved as a fleet of their own,
 * under the round's coupling. Every constraint but the fleet cap is site-local (core/optimizer/dispatch.ts), so a
 * batch's plan is the whole-fleet plan restricted to its sites.
 */
export async function solveSiteBatch(
  solver: PlanSolver,
  request: Omit<SolveRequest, 'fleet'> & { readonly fleet: Fleet; readonly siteIds: readonly string[] },
): Promise<Plan> {
  const { siteIds, ...rest } = request;
  const sites = siteIds.map((siteId) => {
    const site = request.fleet.sites.find((s) => s.id === siteId);
    if (!site) throw new RangeError(`siteIds: site ${siteId} is not in the fleet`);
    return site;
  });
  return solver.solve({ ...rest, fleet: { sites } });
}

/** A site's planned draw per plan interval, kW. */
export const siteDrawKw = (plan: Plan, siteId: string): number[] =>
  plan.sites.find((s) => s.siteId === siteId)?.intervals.map((i) => i.sitePowerKw) ?? [];
