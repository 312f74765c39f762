import type { Plan } from '../../core/model/plan.js';
import { horizonBlocks } from '../../core/strategies/context.js';
import type { SiteCoordination } from '../../core/strategies/planner.js';
import { DEPLOYED_LAYOUT } from './adapters/highs-fleet-solver.js';
import type { OptimizeSteps, SolveSitesResult } from './steps.js';

/**
 * The one boundary between the OptimizeFlow's Map and the solve use case: a batch of sites solved by `solveSites` at
 * the run's decision instant, under the round's coordination. The coordinator works per plan interval (what the plan
 * carries); the planner takes its coordination per horizon step, whose coarse blocks span several intervals
 * (DEPLOYED_LAYOUT, the layout the Lambdas' solver plans with): a block gets the mean price and the tightest cap of
 * its intervals (both constant over a block, as the block's draw is).
 */
export interface SiteBatchRequest {
  readonly nowMs: number;
  readonly siteIds: readonly string[];
  /** By site id, per plan interval. */
  readonly coordination?: Readonly<Record<string, SiteCoordination>>;
}

export function solveSiteBatch(
  steps: Pick<OptimizeSteps, 'solveSites'>,
  request: SiteBatchRequest,
): Promise<SolveSitesResult> {
  const { nowMs, siteIds, coordination } = request;
  return steps.solveSites({
    nowMs,
    siteIds,
    ...(coordination
      ? {
          coordination: Object.fromEntries(
            Object.entries(coordination).map(([siteId, c]) => [siteId, byHorizonStep(c)]),
          ),
        }
      : {}),
  });
}

const BLOCKS = horizonBlocks(DEPLOYED_LAYOUT.horizonSteps, DEPLOYED_LAYOUT.fineSteps, DEPLOYED_LAYOUT.coarseBlock);

function byHorizonStep(perInterval: SiteCoordination): SiteCoordination {
  const spans = BLOCKS.map((size, b) => {
    const start = BLOCKS.slice(0, b).reduce((a, s) => a + s, 0);
    return [start, start + size] as const;
  });
  const over = (values: readonly number[] | undefined, pick: (span: number[]) => number) =>
    values && spans.map(([from, to]) => pick(values.slice(from, to)));
  const price = over(perInterval.couplingPriceUsdPerMwh, (v) => v.reduce((a, x) => a + x, 0) / Math.max(1, v.length));
  const cap = over(perInterval.capKw, (v) => Math.min(...v));
  return { ...(price ? { couplingPriceUsdPerMwh: price } : {}), ...(cap ? { capKw: cap } : {}) };
}

/** A site's planned draw per plan interval, kW. */
export const siteDrawKw = (plan: Plan, siteId: string): number[] =>
  plan.sites.find((s) => s.siteId === siteId)?.intervals.map((i) => i.sitePowerKw) ?? [];
