import { ANCILLARY_RULES, type AncillaryProduct, type MarketAncillaryProduct } from '../ancillary/products.js';
import { energyCostUsd } from '../economics/energy.js';
import type { AsicGroup, Site } from '../model/site.js';
import type { SiteDecision } from '../optimizer/types.js';

/** The ancillary side of one step's truth: the clearing prices and the deployment record's probabilities. */
export interface StepAncillaryTruth {
  /** Capacity clearing price of each hourly product in the step, $/MW per hour (missing: no market price). */
  readonly priceUsdPerMwh: Readonly<Partial<Record<MarketAncillaryProduct, number>>>;
  readonly deploymentProbability: Readonly<Record<AncillaryProduct, number>>;
}

export interface AncillaryTotals {
  ancillaryRevenueUsd: number;
  expectedDeploymentCostUsd: number;
  /** MWh offered but not backed by load above sleep in the step (non-performance; its payment is clawed back). */
  ancillaryShortfallMwh: number;
}

/** A group as it ran in the step. */
export interface GroupRun {
  readonly g: AsicGroup;
  readonly on: number;
  readonly perUnitW: number;
}

/**
 * Scores a step's offers on the truth. Each hourly offer is awarded at the step's clearing price (a price-taker offer
 * clears at the MCPC); ERS is paid by its contract (the grid credits), so only its deployment risk is counted here.
 * Expected deployment cost: probability × MW × hours × (mining per site MWh the ASICs earned in the step − the energy
 * price not paid while down). Offers beyond the load running above sleep are not performed: their payment is taken
 * back, ERCOT's charge for AS not provided.
 */
export function scoreAncillary(
  site: Site,
  decision: SiteDecision,
  runs: readonly GroupRun[],
  miningUsdInStep: number,
  energyUsdPerMwh: number,
  dt: number,
  truth: StepAncillaryTruth | undefined,
  totals: AncillaryTotals,
): void {
  const offers = decision.ancillary ?? [];
  if (offers.length === 0 || dt <= 0) return;
  const asicSiteKw = runs.reduce((a, r) => a + (site.pue * r.on * r.perUnitW) / 1000, 0);
  const aboveSleepKw = runs.reduce((a, r) => a + (site.pue * r.on * (r.perUnitW - r.g.sleepPowerW)) / 1000, 0);
  const miningUsdPerMwh = asicSiteKw > 0 ? miningUsdInStep / ((asicSiteKw * dt) / 1000) : 0;
  let offeredMw = 0;
  let paidUsdPerMwOffered = 0;
  for (const offer of offers) {
    const contract = ANCILLARY_RULES[offer.product].market === 'seasonal-contract';
    const price = contract ? 0 : (truth?.priceUsdPerMwh[offer.product as MarketAncillaryProduct] ?? 0);
    totals.ancillaryRevenueUsd += offer.offeredMw * price * dt;
    const probability = truth?.deploymentProbability[offer.product] ?? 0;
    totals.expectedDeploymentCostUsd +=
      probability *
      (offer.offeredMw * miningUsdPerMwh * dt - energyCostUsd(offer.offeredMw * 1000, dt, energyUsdPerMwh));
    offeredMw += offer.offeredMw;
    paidUsdPerMwOffered += offer.offeredMw * price;
  }
  const shortMw = Math.max(0, offeredMw - aboveSleepKw / 1000);
  if (shortMw > 1e-6) {
    totals.ancillaryShortfallMwh += shortMw * dt;
    // The clawback at the offers' average price per MW.
    totals.ancillaryRevenueUsd -= (paidUsdPerMwOffered / offeredMw) * shortMw * dt;
  }
}
