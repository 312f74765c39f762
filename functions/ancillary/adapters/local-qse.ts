import { awardAtClearingPrice, type ClearingPriceOf } from '../../../core/ancillary/awards.js';
import { type ResourceHolder, resourceFor } from '../../../core/ancillary/resources.js';
import type { Plan } from '../../../core/model/plan.js';
import { type QseAwardMessage, serviceOf } from './qse-award-feed.js';

/**
 * The local platform's QSE: the market takes every offer of the plan in full at the interval's clearing price
 * (`awardAtClearingPrice`, a price-taker offer), and the QSE reports each award against the site's resource registered
 * for the product (the first one: a real QSE splits a site's offer among its resources itself), in the message the
 * QSE feed carries in AWS. An offer whose site registered no resource for it is not awarded (the registry refuses a
 * qualification without one). Pure.
 */

export const LOCAL_QSE = 'LOCALQSE';

/** How far ahead of the plan's start its offers are awarded and armed; the next dispatch arms the next ones. */
export const ARM_AHEAD_MS = 2 * 3_600_000;

export function localQseMessage(
  plan: Plan,
  sites: readonly ResourceHolder[],
  clearingPrice: ClearingPriceOf,
  publishedAtMs: number,
): QseAwardMessage | undefined {
  const untilMs = Date.parse(plan.horizonStart) + ARM_AHEAD_MS;
  const intervalMs = plan.intervalMinutes * 60_000;
  const awards = plan.sites.flatMap((planned) => {
    const site = sites.find((s) => s.id === planned.siteId);
    const offers = (planned.ancillaryOffers ?? []).filter((o) => o.intervalStartMs < untilMs);
    if (!site || offers.length === 0) return [];
    return awardAtClearingPrice(planned.siteId, offers, clearingPrice, intervalMs).flatMap((award) => {
      const resource = resourceFor(site, award.product);
      if (!resource) return [];
      return [
        {
          resource,
          service: serviceOf(award.product),
          deliveryFrom: new Date(award.intervalStartMs).toISOString(),
          deliveryTo: new Date(award.intervalEndMs).toISOString(),
          awardedMw: award.awardedMw,
          mcpcUsdPerMwh: award.clearingPriceUsdPerMwh,
        },
      ];
    });
  });
  if (awards.length === 0) return undefined;
  return { qse: LOCAL_QSE, market: 'DAM', publishedAt: new Date(publishedAtMs).toISOString(), awards };
}
