import { roundUsd } from '../routing/pricing.js';
import type { RefusalReason, RoutableJob } from '../routing/types.js';
import { offerOf, type Partner, type PartnerModelOffer, resalePrice } from './catalogue.js';
import type { PartnerSettings } from './settings.js';

/** What a partner run of a job costs HCP, what the customer pays for it, and when it should be done. */
export interface PartnerQuote {
  readonly partnerId: string;
  /** What the partner charges HCP for the job's tokens at its list price. */
  readonly costUsd: number;
  /** What the customer pays: the cost with the partner's markup. */
  readonly priceUsd: number;
  readonly marginUsd: number;
  readonly estimatedFinishMs: number;
}

/** The router's refusals a partner can answer: the fleet has the model but cannot run the job in time. */
export const OVERFLOW_REASONS: readonly RefusalReason[] = ['no-capacity', 'deadline-infeasible'];

export type OverflowDecision =
  | { readonly kind: 'partner'; readonly quote: PartnerQuote }
  | { readonly kind: 'none'; readonly detail: string };

/** The partner's charge for these tokens at its list prices (per million tokens). */
export function partnerCostUsd(offer: PartnerModelOffer, tokens: { inputTokens: number; outputTokens: number }) {
  return roundUsd(
    (tokens.inputTokens * offer.inputUsdPerMillionTokens + tokens.outputTokens * offer.outputUsdPerMillionTokens) / 1e6,
  );
}

/** The quote of one partner for a job at `nowMs`: its list cost, the markup, and first token plus decode time. */
export function partnerQuote(
  job: RoutableJob,
  partner: Partner,
  offer: PartnerModelOffer,
  nowMs: number,
): PartnerQuote {
  const costUsd = partnerCostUsd(offer, job);
  const { priceUsd, marginUsd } = resalePrice(partner, costUsd);
  return {
    partnerId: partner.partnerId,
    costUsd,
    priceUsd,
    marginUsd,
    estimatedFinishMs: nowMs + partner.latencyMs + (job.outputTokens / offer.outputTokensPerSec) * 1000,
  };
}

/** Why one partner cannot take the job, or undefined when it can. */
function unfit(
  job: RoutableJob,
  partner: Partner,
  quote: PartnerQuote | undefined,
  settings: PartnerSettings,
): string | undefined {
  const id = partner.partnerId;
  if (!settings.allowedPartnerIds.includes(id)) return `${id} is not allowed by the tenant`;
  if (job.avoidPartnerIds?.includes(id)) return `${id} failed an earlier attempt`;
  if (!settings.dataRegions.includes(partner.region)) return `${id} is in ${partner.region}, outside the data regions`;
  if (!quote) return `${id} does not serve ${job.modelId}`;
  const millions = (job.inputTokens + job.outputTokens) / 1e6;
  const perMillion = millions > 0 ? quote.priceUsd / millions : 0;
  if (perMillion > settings.maxPriceUsdPerMillionTokens) {
    return `${id} at ${roundUsd(perMillion)} USD per million tokens is above the cap ${settings.maxPriceUsdPerMillionTokens}`;
  }
  if (quote.priceUsd > job.maxPriceUsd)
    return `${id} quotes ${quote.priceUsd} USD, above the maximum ${job.maxPriceUsd}`;
  if (quote.estimatedFinishMs > job.deadlineMs) {
    return `${id} would finish at ${new Date(quote.estimatedFinishMs).toISOString()}, after the deadline`;
  }
  return undefined;
}

/**
 * Where a job the fleet cannot run in time may go instead: the cheapest partner (then the earliest, then by id) that
 * the tenant allows, in the tenant's data regions, under both the tenant's cap per million tokens and the job's
 * maximum price, and in time for the deadline; or why none (every partner's reason, for the customer). Pure.
 */
export function overflowDecision(
  job: RoutableJob,
  partners: readonly Partner[],
  settings: PartnerSettings | undefined,
  nowMs: number,
): OverflowDecision {
  if (!settings || settings.allowedPartnerIds.length === 0) {
    return { kind: 'none', detail: 'the tenant allows no partner cloud' };
  }
  const reasons: string[] = [];
  let best: PartnerQuote | undefined;
  for (const partner of [...partners].sort((a, b) => a.partnerId.localeCompare(b.partnerId))) {
    const offer = offerOf(partner, job.modelId);
    const quote = offer ? partnerQuote(job, partner, offer, nowMs) : undefined;
    const why = unfit(job, partner, quote, settings);
    if (why) {
      if (settings.allowedPartnerIds.includes(partner.partnerId)) reasons.push(why);
      continue;
    }
    if (
      !best ||
      quote!.priceUsd < best.priceUsd ||
      (quote!.priceUsd === best.priceUsd && quote!.estimatedFinishMs < best.estimatedFinishMs)
    ) {
      best = quote;
    }
  }
  if (best) return { kind: 'partner', quote: best };
  return { kind: 'none', detail: reasons.length > 0 ? reasons.join('; ') : 'no allowed partner is in the catalogue' };
}
