import { z } from 'zod';
import { idSchema, siteIdSchema } from '../support/schema.js';
import { type AncillaryOffer, ancillaryProductSchema } from './products.js';

/**
 * Awards: what the market took of a site's ancillary offers (products.ts), one per product and interval, at the
 * clearing price. ERCOT awards a site's Load Resources (resources.ts), and only to their QSE, which forwards them as
 * one message per batch (functions/ancillary/adapters/qse-award-feed.ts): in AWS through the awards queue, on the
 * local platform from a local QSE that awards every offer in full at the interval's clearing price
 * (`awardAtClearingPrice`, a price-taker offer; the backtest awards the same way). One handler maps either message to
 * sites (functions/ancillary/receive-awards.ts); the SwitchFlow then carries the awards to the gateway, which holds the
 * awarded capacity armed (`arm-ancillary` command, core/messages/command.ts).
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
    /** The ERCOT resource awarded (resources.ts); absent in the backtest, which awards the site. */
    resource: z.string().min(1).max(32).optional(),
    /** The device groups the resource stands for: the gateway arms the award on them only. Absent: any group. */
    groupIds: z.array(idSchema).min(1).max(64).optional(),
  })
  .refine((a) => a.intervalEndMs > a.intervalStartMs, {
    path: ['intervalEndMs'],
    message: 'must be after intervalStartMs',
  });
export type Award = z.infer<typeof awardSchema>;
export type AwardedProduct = Award['product'];

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

/**
 * The awards a site holds once `incoming` arrives: each incoming award replaces the held awards of its product for
 * the time it covers (a later award for the same capacity: an RTC award after the DAM's, a re-run plan's); a held
 * award keeps the parts of its interval nothing incoming covers, and the other held awards stand (an award made is
 * binding: a message about other hours does not cancel it); awards ended by `nowMs` are dropped. Pure.
 */
export function awardsHeldAfter(held: readonly Award[], incoming: readonly Award[], nowMs: number): Award[] {
  const kept = held.flatMap((a) =>
    incoming
      .filter((n) => n.product === a.product)
      .reduce<Award[]>((pieces, n) => pieces.flatMap((piece) => outside(piece, n)), [a]),
  );
  return [...kept.filter((a) => a.intervalEndMs > nowMs), ...incoming];
}

/** The parts of `a`'s interval outside `b`'s: none, one or two awards. */
function outside(a: Award, b: Award): Award[] {
  if (b.intervalEndMs <= a.intervalStartMs || a.intervalEndMs <= b.intervalStartMs) return [a];
  const before = a.intervalStartMs < b.intervalStartMs ? [{ ...a, intervalEndMs: b.intervalStartMs }] : [];
  const after = b.intervalEndMs < a.intervalEndMs ? [{ ...a, intervalStartMs: b.intervalEndMs }] : [];
  return [...before, ...after];
}
