/**
 * Fleet-cap coordination, one round at a time (pure). Sites are solved independently; a shared cap on the fleet's total
 * draw couples them. Price coordination (Lagrangian relaxation, Everett 1963; dual decomposition in Boyd et al., "Notes
 * on Decomposition Methods", 2007): each site sees energy at price + λ_t, and λ rises by a diminishing subgradient step
 * where the sites together exceed the cap. If the prices have not brought the fleet under the cap after
 * `maxPriceRounds`, one resource-directive round gives each site a share of the cap in proportion to its last draw, so
 * the committed plan is feasible whether or not the prices converged.
 *
 * Convergence rule: done after the first round whose total draw is within the cap at every step (tolerance
 * `CAP_TOLERANCE_KW`), or after the share round; so at most `maxPriceRounds + 2` solves of every site. The in-process
 * solve (dispatch.ts `solveFleet`) and the OptimizeFlow's Map (functions/optimizer/scale-out.ts) both follow it.
 */

/** kW by which the fleet may exceed its cap and still count as within it (solver round-off). */
export const CAP_TOLERANCE_KW = 1e-6;

/** What the sites solve under in one round. */
export interface CoordinationRound {
  /** 0 for the first (uncoupled) round. */
  readonly iteration: number;
  /** $/MWh added to energy, per step. */
  readonly couplingPriceUsdPerMwh: readonly number[];
  /** Set for the share round: the cap and the fleet total of the round before, per step. */
  readonly share?: { readonly capKw: readonly number[]; readonly totalKw: readonly number[] };
}

export type RoundOutcome =
  | { readonly done: true; readonly reason: 'within-cap' | 'shared' }
  | { readonly done: false; readonly next: CoordinationRound };

/** The uncoupled round: no price on energy (an empty array reads as 0 at every step). */
export const firstRound = (steps = 0): CoordinationRound => ({
  iteration: 0,
  couplingPriceUsdPerMwh: new Array<number>(steps).fill(0),
});

/** The fleet's total draw per step from each site's draw per step. */
export function fleetTotalKw(siteDrawsKw: ReadonlyArray<readonly number[]>, steps: number): number[] {
  return Array.from({ length: steps }, (_, t) => siteDrawsKw.reduce((a, draw) => a + (draw[t] ?? 0), 0));
}

/** After a round is solved: stop, or the next round's prices (or shares). */
export function afterRound(
  round: CoordinationRound,
  capKw: readonly number[],
  totalKw: readonly number[],
  maxPriceRounds: number,
): RoundOutcome {
  if (round.share) return { done: true, reason: 'shared' };
  const excessKw = capKw.map((cap, t) => (totalKw[t] ?? 0) - cap);
  if (excessKw.every((e) => e <= CAP_TOLERANCE_KW)) return { done: true, reason: 'within-cap' };
  const iteration = round.iteration + 1;
  if (round.iteration >= maxPriceRounds) {
    return {
      done: false,
      next: { iteration, couplingPriceUsdPerMwh: round.couplingPriceUsdPerMwh, share: { capKw, totalKw } },
    };
  }
  // Diminishing subgradient step, $/MWh per MW of excess.
  const step = 50 / (round.iteration + 1);
  const couplingPriceUsdPerMwh = excessKw.map((excess, t) =>
    Math.max(0, (round.couplingPriceUsdPerMwh[t] ?? 0) + (step * excess) / 1000),
  );
  return { done: false, next: { iteration, couplingPriceUsdPerMwh } };
}

/** A site's cap in the share round: its part of the cap where the fleet exceeded it, unbounded elsewhere. */
export function capShareKw(share: NonNullable<CoordinationRound['share']>, siteDrawKw: readonly number[]): number[] {
  return share.capKw.map((cap, t) => {
    const total = share.totalKw[t] ?? 0;
    return total > cap ? (cap * (siteDrawKw[t] ?? 0)) / total : Number.POSITIVE_INFINITY;
  });
}
