import { energyCostUsd } from '../economics/energy.js';
import type { MarketSnapshot } from '../model/market.js';
import { type RevenuePrices, revenuePricesOf, revenueUsdPerHour } from '../telemetry/site-summary.js';

/**
 * The money a site makes and spends between its telemetry batches, one rule for every writer of the history: the
 * local platform's observer (sim/platform/observer/site-view.ts, whose figures the dashboard shows and the local store
 * keeps) and the cloud's telemetry consumer (functions/telemetry/ingest.ts, which keeps the held power in DynamoDB).
 * A stretch is priced with the power the site held through it (its previous batch's), at the site's node price and
 * the market's hashprice and GPU spot rate in force when the next batch arrives.
 */

/** A gap in a site's telemetry longer than this (simulated) accrues nothing: the site's state then is unknown. */
export const MAX_ACCRUAL_HOURS = 0.5;

export interface Money {
  readonly miningUsd: number;
  readonly inferenceUsd: number;
  readonly energyCostUsd: number;
}

export const NO_MONEY: Money = { miningUsd: 0, inferenceUsd: 0, energyCostUsd: 0 };

export interface MoneyRates extends RevenuePrices {
  readonly priceUsdPerMwh: number;
}

/** What a site's money is made of: facility power at its meter, and what earns (hashrate, GPUs doing work). */
export interface EarningLoad {
  readonly asicKw: number;
  readonly gpuKw: number;
  readonly hashrateThs: number;
  /** GPUs doing work, weighted by utilisation. */
  readonly busyGpus: number;
}

/** The earning load of richer readings (what the held-power store keeps). */
export function earningLoad(readings: EarningLoad): EarningLoad {
  return {
    asicKw: readings.asicKw,
    gpuKw: readings.gpuKw,
    hashrateThs: readings.hashrateThs,
    busyGpus: readings.busyGpus,
  };
}

/** What a site held since a batch: the load it read then, at the instant (epoch ms) the gateway sent it. */
export interface HeldPower<L extends EarningLoad = EarningLoad> {
  readonly power: L;
  readonly sinceMs: number;
}

/** What one batch added: money, and the simulated hours it covers (0: nothing accrued). */
export interface Accrual {
  readonly money: Money;
  readonly hours: number;
}

export const NO_ACCRUAL: Accrual = { money: NO_MONEY, hours: 0 };

/** Revenue by source and energy cost of holding `power` for `hours` at `rates`. */
export function accrue(power: EarningLoad, hours: number, rates: MoneyRates): Money {
  const revenue = revenueUsdPerHour(power, rates);
  return {
    miningUsd: revenue.miningUsdPerHour * hours,
    inferenceUsd: revenue.inferenceUsdPerHour * hours,
    energyCostUsd: energyCostUsd(power.asicKw + power.gpuKw, hours, rates.priceUsdPerMwh),
  };
}

/**
 * The money of the stretch from `held` to a batch sent at `atMs`: nothing without a previous batch, a price or a
 * market, nor over a gap longer than MAX_ACCRUAL_HOURS, nor backwards.
 */
export function accrueSince(
  held: HeldPower | undefined,
  atMs: number,
  priceUsdPerMwh: number | undefined,
  market: MarketSnapshot | undefined,
): Accrual {
  if (!held || priceUsdPerMwh === undefined || !market) return NO_ACCRUAL;
  const hours = (atMs - held.sinceMs) / 3_600_000;
  if (!(hours > 0 && hours <= MAX_ACCRUAL_HOURS)) return NO_ACCRUAL;
  return { money: accrue(held.power, hours, { priceUsdPerMwh, ...revenuePricesOf(market) }), hours };
}

/**
 * A site's batch sent at `atMs` reading `power`, after the power it `held`: what the stretch since accrued, and what
 * the site holds next. A batch at or before the held instant (a repeat whose ack was late, a spooled batch a newer
 * one overtook) accrues nothing and leaves the held power and instant as they were (`late`): the next batch then
 * accrues from the newest one, so no stretch is counted twice.
 */
export function takeBatch<L extends EarningLoad>(
  held: HeldPower<L> | undefined,
  atMs: number,
  power: L,
  priceUsdPerMwh: number | undefined,
  market: MarketSnapshot | undefined,
): { readonly accrual: Accrual; readonly held: HeldPower<L>; readonly late: boolean } {
  if (held && atMs <= held.sinceMs) return { accrual: NO_ACCRUAL, held, late: true };
  return { accrual: accrueSince(held, atMs, priceUsdPerMwh, market), held: { power, sinceMs: atMs }, late: false };
}

export function addMoney(a: Money, b: Money): Money {
  return {
    miningUsd: a.miningUsd + b.miningUsd,
    inferenceUsd: a.inferenceUsd + b.inferenceUsd,
    energyCostUsd: a.energyCostUsd + b.energyCostUsd,
  };
}

/**
 * A site's energy price in force: its settlement point's real-time price in the latest market snapshot, what the
 * market ingest relays to the site's gateway as its `price` signal (functions/market/ingest.ts).
 */
export function nodePriceUsdPerMwh(market: MarketSnapshot | undefined, node: string): number | undefined {
  return market?.prices.find((p) => p.node === node)?.realTimeUsdPerMwh;
}
