import { ANCILLARY_RULES, type AncillaryProduct } from '../ancillary/products.js';
import type { KnownAtView } from '../market-data/known-at.js';
import type { Site } from '../model/site.js';
import type { AncillaryProductTerms, AncillaryTerms } from '../optimizer/types.js';

/** What the planner needs to co-optimise ancillary services besides the market view. */
export interface AncillaryPlanning {
  /** Chance a held MW is deployed in an hour, per product (core/ancillary/deployment-history.ts). */
  readonly deploymentProbability: Readonly<Record<AncillaryProduct, number>>;
}

/**
 * A site's ancillary terms over a horizon of `blocks` grid steps from grid index `first` of the known view, or none
 * when the site is not qualified or no capacity price is known: each qualified hourly product at the mean of its known
 * prices over the block (unknown if any interval of the block is not yet published), within the registry's MW; each
 * ERS contract (site.demandResponse ERS-10/ERS-30) held at its committed MW, paid its capacity price.
 */
export function ancillaryTermsFor(
  site: Site,
  known: KnownAtView,
  first: number,
  blocks: readonly number[],
  planning: AncillaryPlanning,
): AncillaryTerms | undefined {
  const registration = site.ancillary;
  const prices = known.ancillaryUsdPerMwh;
  if (!registration || !prices) return undefined;
  const blockPrice = (values: readonly number[] | undefined) => {
    let start = first;
    return blocks.map((size) => {
      const slice = values?.slice(start, start + size) ?? [];
      start += size;
      if (slice.length < size || slice.some((v) => !Number.isFinite(v))) return undefined;
      return slice.reduce((a, v) => a + v, 0) / size;
    });
  };
  const hourly: AncillaryProductTerms[] = registration.qualifications.map((q) => ({
    product: q.product,
    priceUsdPerMwh: blockPrice(prices.byProduct[q.product]),
    maxOfferMw: q.maxOfferMw,
    deploymentProbability: planning.deploymentProbability[q.product],
  }));
  const contracts: AncillaryProductTerms[] = site.demandResponse.flatMap((dr) => {
    if (dr.program !== 'ERS-10' && dr.program !== 'ERS-30') return [];
    const product = ANCILLARY_RULES[dr.program].product;
    return [
      {
        product,
        priceUsdPerMwh: blocks.map(() => dr.capacityUsdPerMwh),
        maxOfferMw: dr.committedMw,
        heldMw: dr.committedMw,
        shortfallPenaltyUsdPerMwh: dr.shortfallPenaltyUsdPerMwh,
        deploymentProbability: planning.deploymentProbability[product],
      },
    ];
  });
  const products = [...hourly, ...contracts];
  return products.length > 0 ? { products } : undefined;
}
