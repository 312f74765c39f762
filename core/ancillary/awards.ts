import { z } from 'zod';
import { siteIdSchema } from '../support/schema.js';
import { type AncillaryOffer, ancillaryProductSchema } from './products.js';

/**
 * Awards: what the market took of a site's ancillary offers (products.ts), one per product and interval, at the
 * clearing price. They arrive through the `AncillaryAwards` port: on the local platform and in the backtest every offer
 * is awarded in full at the interval's clearing price (`awardAtClearingPrice`, a price-taker offer); in AWS they come
 * from the site's QSE, which receives ERCOT's awards (DAM AS awards, and since RTC+B the SCED AS awards) and forwards
 * them (functions/ancillary/adapters/qse-award-feed.ts). The SwitchFlow then carries them to the gateway, which holds
 * the awarded capacity armed (`arm-ancillary` command, core/messages/command.ts).
 */

/** One hour of awards for 48 hours ahead, for each of three products, is far below this. */
export const MAX_AWARDS_PER_SITE = 500;

/** The largest award a site could carry: 1 GW is more than any site's interconnect. */
const MAX_AWARD_MW = 1_000;

export const awardSchema = z
  .strictObject({
    siteId: siteIdSchema,
    /** The hourly market products; ERS is a seasonal contract, not an award (site.demandResponse). */
    product: ancillaryProductSchema.extract(['RRS-UFR', 'ECRS', 'NSPIN']),
    /** The interval the capacity is held for, epoch ms: [start, end). */
    intervalStartMs: z.number().int().nonnegative(),
    intervalEndMs: z.number().int().positive(),
    awardedMw: z.number().finite().positive().max(MAX_AWARD_MW),
    /** The market clearing price for capacity of this product and interval, $/MW per hour. */
    clearingPriceUsdPerMwh: z.number().finite(),
  })
  .refine((a) => a.intervalEndMs > a.intervalStartMs, {
    path: ['intervalEndMs'],
    message: 'must be after intervalStartMs',
  });
export type Award = z.infer<typeof awardSchema>;
export type AwardedProduct = Award['product'];

/** Where awards come from; a site's offers (each for `intervalMs` from its start) in, what the market took out. */
export interface AncillaryAwards {
  awardsFor(siteId: string, offers: readonly AncillaryOffer[], intervalMs: number): Promise<Award[]>;
}

/** The clearing price of a product for the interval starting at `intervalStartMs`; undefined when not known. */
export type ClearingPriceOf = (product: AwardedProduct, intervalStartMs: number) => number | undefined;

const isAwardedProduct = (product: AncillaryOffer['product']): product is AwardedProduct =>
  product === 'RRS-UFR' || product === 'ECRS' || product === 'NSPIN';

/**
 * The local and backtest market: each hourly offer with MW in it is awarded in full at the interval's clearing price
 * (the offer is a price taker). An offer whose interval has no clearing price yet is not awarded. Pure.
 */
export function awardAtClearingPrice(
  siteId: string,
  offers: readonly AncillaryOffer[],
  clearingPrice: ClearingPriceOf,
  intervalMs: number,
): Award[] {
  const awards: Award[] = [];
  for (const offer of offers) {
    if (!isAwardedProduct(offer.product) || offer.offeredMw <= 0) continue;
    const price = clearingPrice(offer.product, offer.intervalStartMs);
    if (price === undefined) continue;
    awards.push({
      siteId,
      product: offer.product,
      intervalStartMs: offer.intervalStartMs,
      intervalEndMs: offer.intervalStartMs + intervalMs,
      awardedMw: offer.offeredMw,
      clearingPriceUsdPerMwh: price,
    });
  }
  return awards;
}

/** The local adapter of the port: awards at the clearing price the lookup gives (the AS price series, or the plan's). */
export function clearingPriceAwards(clearingPrice: ClearingPriceOf): AncillaryAwards {
  return {
    awardsFor: async (siteId, offers, intervalMs) => awardAtClearingPrice(siteId, offers, clearingPrice, intervalMs),
  };
}

/** What holding the awards earns: clearing price × MW × hours held, summed. Pure. */
export function awardRevenueUsd(awards: readonly Award[]): number {
  return awards.reduce(
    (usd, a) => usd + a.clearingPriceUsdPerMwh * a.awardedMw * ((a.intervalEndMs - a.intervalStartMs) / 3_600_000),
    0,
  );
}

/** The awards in force at `nowMs`, of one product or all. */
export function awardsInForce(awards: readonly Award[], nowMs: number, product?: AwardedProduct): Award[] {
  return awards.filter(
    (a) => a.intervalStartMs <= nowMs && nowMs < a.intervalEndMs && (product === undefined || a.product === product),
  );
}
