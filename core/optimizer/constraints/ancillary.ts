import { ANCILLARY_RULES, type AncillaryProduct, groupMayCarry } from '../../ancillary/products.js';
import { miningRevenueUsd } from '../../economics/energy.js';
import type { AsicGroup } from '../../model/site.js';
import type { LpVar } from '../lp-text.js';
import type { AncillaryProductTerms } from '../types.js';
import type { AsicCurveVars } from './asic-curve.js';
import { type StepContext, stepHoursOf } from './step.js';

/**
 * Ancillary capacity offered in step t (issue 25), per product p and ASIC group k that may carry it:
 *   a_{p,k} ≥ 0  site kW of group k's consumed load held for p (NP 3.18: only load being consumed that can drop within
 *                the product's deployment time; UFR only on groups the gateway trips locally: `groupMayCarry`);
 *   Σ_p a_{p,k} ≤ PUE·[(P_0 − sleep)·u_k + Σ_m p_{k,m}]   the same kW is not sold twice, and only what runs above sleep
 *                counts (so holding capacity keeps units on when energy alone would sleep them);
 *   Σ_k a_{p,k} ≤ 1000·maxOfferMw_p                       the registry's qualified MW (ERS: the contract);
 *   ERS: Σ_k a_{p,k} + s_p ≥ 1000·heldMw_p               the contract is held (outside a deployment), a shortfall
 *                                                         s_p priced below.
 * Objective per kW of a_{p,k}: price_p·Δt/1000 − prob_p·Δt·(mining per site kWh of group k − energy price/1000): the
 * capacity payment, less the expected mining lost while deployed net of the energy not bought. ERS's payment is a
 * constant of the contract (the simulator's grid credits), so only its hold and shortfall are decisions.
 * A product with no price known for the step is not offered in it.
 */
export interface AncillaryStepVars {
  /** Per product term (same order as `problem.ancillary.products`): the groups' held kW, undefined when not offered. */
  readonly held: ReadonlyArray<readonly LpVar[] | undefined>;
}

/** Mining revenue of one kW of site power of a group running at its stock point, per hour at `hashprice`. */
function miningUsdPerSiteKwh(group: AsicGroup, pue: number, hashpriceUsdPerThDay: number): number {
  const thsPerItKw = group.nominalHashrateThs / (group.nominalPowerW / 1000);
  return miningRevenueUsd(thsPerItKw / pue, 1, hashpriceUsdPerThDay);
}

export function addAncillary(ctx: StepContext, asic: readonly AsicCurveVars[]): AncillaryStepVars {
  const { m, t, problem } = ctx;
  const terms = problem.ancillary?.products ?? [];
  const { site } = problem;
  const dt = stepHoursOf(ctx);
  const energyUsdPerKwh = problem.horizon.priceUsdPerMwh[t]! / 1000;
  const hashprice = problem.horizon.hashpriceUsdPerThDay[t]!;
  const perGroup: Array<Array<readonly [LpVar, number]>> = site.asicGroups.map(() => []);
  const held = terms.map((term, p) => {
    const price = term.priceUsdPerMwh[t];
    if (price === undefined || term.maxOfferMw <= 0) return undefined;
    const contract = ANCILLARY_RULES[term.product].market === 'seasonal-contract';
    const vars: LpVar[] = [];
    site.asicGroups.forEach((group, k) => {
      if (!groupMayCarry(term.product, group)) return;
      const deployedCostUsdPerKwh = miningUsdPerSiteKwh(group, site.pue, hashprice) - energyUsdPerKwh;
      const payUsdPerKw = contract ? 0 : (price * dt) / 1000;
      const a = m.addVar(`as_${p}_${k}_${t}`, 0, term.maxOfferMw * 1000, payUsdPerKw);
      m.addObjective(a, -term.deploymentProbability * dt * deployedCostUsdPerKwh);
      perGroup[k]!.push([a, 1]);
      vars.push(a);
    });
    if (vars.length === 0) return undefined;
    m.addRow(
      vars.map((v) => [v, 1] as const),
      '<=',
      term.maxOfferMw * 1000,
    );
    // While a deployment is in force the contract is being delivered (site-power.ts sheds it), not held.
    if (term.heldMw !== undefined && !problem.horizon.drDeployed[t]) addHold(ctx, term, p, vars, price, dt);
    return vars;
  });
  site.asicGroups.forEach((group, k) => {
    const rows = perGroup[k]!;
    if (rows.length === 0) return;
    const { unitsOn, segments } = asic[k]!;
    const aboveSleepKw = group.powerCurve[0]!.powerW / 1000 - group.sleepPowerW / 1000;
    m.addRow([...rows, [unitsOn, -site.pue * aboveSleepKw], ...segments.map((s) => [s, -site.pue] as const)], '<=', 0);
  });
  return { held };
}

/** ERS: the contracted MW held; each MW short loses the hour's capacity payment and risks the deployment penalty. */
function addHold(
  ctx: StepContext,
  term: AncillaryProductTerms,
  p: number,
  vars: readonly LpVar[],
  priceUsdPerMwh: number,
  dt: number,
): void {
  const { m, t } = ctx;
  const shortUsdPerMwh = priceUsdPerMwh + term.deploymentProbability * (term.shortfallPenaltyUsdPerMwh ?? 0);
  const short = m.addVar(`ash_${p}_${t}`, 0, Number.POSITIVE_INFINITY, -(shortUsdPerMwh * dt) / 1000);
  m.addRow([...vars.map((v) => [v, 1] as const), [short, 1]], '>=', term.heldMw! * 1000);
}

/** The MW offered per product in a solved step, with the price assumed. */
export function decodeOffers(
  terms: readonly AncillaryProductTerms[],
  vars: AncillaryStepVars,
  t: number,
  value: (name: string) => number,
): Array<{ product: AncillaryProduct; offeredMw: number; assumedPriceUsdPerMwh: number }> {
  return terms.flatMap((term, p) => {
    const held = vars.held[p];
    if (!held) return [];
    // Whole kW, rounded down: an offer never exceeds what the solution holds.
    const offeredMw = Math.floor(held.reduce((a, v) => a + Math.max(0, value(v.name)), 0) + 1e-6) / 1000;
    return [{ product: term.product, offeredMw, assumedPriceUsdPerMwh: term.priceUsdPerMwh[t]! }];
  });
}
