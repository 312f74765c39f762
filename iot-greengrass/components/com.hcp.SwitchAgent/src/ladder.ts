import { devicesCovering } from '../../../../core/ancillary/arming.js';
import type { LadderRung } from '../../../../core/model/plan.js';

/**
 * Merit-order decisions, all pure. The ladder is sorted by ascending stop price: the first rung is the first to go.
 */

/** Rungs whose groups must stop at this price (strictly above their stop price). */
export function rungsAbovePrice(ladder: readonly LadderRung[], priceUsdPerMwh: number): string[] {
  return ladder.filter((r) => priceUsdPerMwh > r.stopAbovePriceUsdPerMwh).map((r) => r.groupId);
}

/**
 * Rungs a price lets back on: only once the price is `hysteresisUsdPerMwh` below their stop price, so a price
 * hovering at the strike does not cycle the machines.
 */
export function rungsBelowRestorePrice(
  ladder: readonly LadderRung[],
  priceUsdPerMwh: number,
  hysteresisUsdPerMwh: number,
): string[] {
  return ladder.filter((r) => priceUsdPerMwh <= r.stopAbovePriceUsdPerMwh - hysteresisUsdPerMwh).map((r) => r.groupId);
}

/** The cheapest rungs whose sheddable load together reaches `shedKw` (all of them if the ladder falls short). */
export function rungsForShed(ladder: readonly LadderRung[], shedKw: number): string[] {
  return devicesCovering(
    ladder.map((r) => ({ id: r.groupId, stepKw: r.sheddableKw })),
    shedKw,
  ).ids;
}
