import type { MarketSnapshot } from '../../../core/model/market.js';
import { revenuePricesOf } from '../../../core/telemetry/site-summary.js';
import { accrue, type Money, type SitePower } from '../site-power.js';

/** A gap in a site's telemetry longer than this (simulated) accrues nothing: the site's state then is unknown. */
export const MAX_ACCRUAL_HOURS = 0.5;

export const NO_MONEY: Money = { miningUsd: 0, inferenceUsd: 0, energyCostUsd: 0 };

/** What a site held since its previous batch: the power it read then, at the simulated instant it was sent. */
export interface HeldPower {
  readonly power: SitePower;
  readonly sinceMs: number;
}

/**
 * The money a site made and spent between its previous batch and one sent at `atMs`: the power it held then, at the
 * site's electricity price and the market's hashprice and GPU spot rate. Nothing without a previous batch, a price or
 * a market, nor over a gap longer than MAX_ACCRUAL_HOURS.
 */
export function accrueSince(
  held: HeldPower | undefined,
  atMs: number,
  priceUsdPerMwh: number | undefined,
  market: MarketSnapshot | undefined,
): Money {
  if (!held || priceUsdPerMwh === undefined || !market) return NO_MONEY;
  const hours = (atMs - held.sinceMs) / 3_600_000;
  if (!(hours > 0 && hours <= MAX_ACCRUAL_HOURS)) return NO_MONEY;
  return accrue(held.power, hours, { priceUsdPerMwh, ...revenuePricesOf(market) });
}

export function addMoney(a: Money, b: Money): Money {
  return {
    miningUsd: a.miningUsd + b.miningUsd,
    inferenceUsd: a.inferenceUsd + b.inferenceUsd,
    energyCostUsd: a.energyCostUsd + b.energyCostUsd,
  };
}
