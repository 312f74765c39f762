import { roundUsd } from '../routing/pricing.js';
import { offerOf, type Partner, resalePrice } from './catalogue.js';
import type { PartnerSettings } from './settings.js';

/**
 * A partner's price for bid work (issue 28). A bid buys H100-equivalent GPU-hours of a model; a partner sells tokens.
 * One GPU-hour of the model is the tokens an H100 serves of it in an hour (the model catalog's figure, what the
 * router meters a site's work by: core/bids/fill-work.ts `tokensPerGpuHour`), so the partner's cost per GPU-hour is
 * those tokens at its list price for output tokens (bid work is decode work: its prompts are a few tokens), and the
 * platform sells it with the partner's markup (`markupFraction`, the same margin as job overflow).
 */
export interface PartnerGpuHourQuote {
  readonly partnerId: string;
  /** What the partner charges HCP for one GPU-hour of the model's tokens. */
  readonly costUsdPerGpuHour: number;
  /** What the bidder pays: cost plus the platform's margin. */
  readonly priceUsdPerGpuHour: number;
  readonly marginUsdPerGpuHour: number;
  /** The same price per million tokens, what the tenant's cap is written in. */
  readonly priceUsdPerMillionTokens: number;
  /** One sequence's decode speed at the partner: bounds how fast one part of the work runs there. */
  readonly outputTokensPerSec: number;
  /** Time to the first token there. */
  readonly latencyMs: number;
}

/** The quote of one partner per GPU-hour of `modelId`, or undefined when it does not serve the model. */
export function partnerGpuHourQuote(
  partner: Partner,
  modelId: string,
  tokensPerGpuHour: number,
): PartnerGpuHourQuote | undefined {
  const offer = offerOf(partner, modelId);
  if (!offer) return undefined;
  const millions = tokensPerGpuHour / 1e6;
  const costUsdPerGpuHour = roundUsd(millions * offer.outputUsdPerMillionTokens);
  const { priceUsd: priceUsdPerGpuHour, marginUsd: marginUsdPerGpuHour } = resalePrice(partner, costUsdPerGpuHour);
  return {
    partnerId: partner.partnerId,
    costUsdPerGpuHour,
    priceUsdPerGpuHour,
    marginUsdPerGpuHour,
    priceUsdPerMillionTokens: roundUsd(priceUsdPerGpuHour / millions),
    outputTokensPerSec: offer.outputTokensPerSec,
    latencyMs: partner.latencyMs,
  };
}

/** Why a bid no venue took stays unfilled: the reasons GET /v1/bids/{id} and the clearing history show. */
export type BidUnfilledReason = 'no_site_capacity' | 'partner_not_allowed' | 'partner_over_limit' | 'partner_too_slow';

export type BidPartnerDecision =
  | { readonly kind: 'partner'; readonly quote: PartnerGpuHourQuote }
  | { readonly kind: 'none'; readonly reason: BidUnfilledReason; readonly detail: string };

export interface BidForPartner {
  readonly modelClass: string;
  readonly limitUsdPerGpuHour: number;
}

/** When the work would run: now, the bid's deadline, and its largest part (parts run side by side at the partner). */
export interface BidTiming {
  readonly nowMs: number;
  readonly deadlineMs: number;
  readonly largestPartTokens: number;
}

/** When a part of `tokens` would be done at the partner: first token, then one sequence's decode. */
export const partnerFinishMs = (quote: PartnerGpuHourQuote, nowMs: number, tokens: number): number =>
  nowMs + quote.latencyMs + (tokens / quote.outputTokensPerSec) * 1000;

/**
 * Where a bid the sites cannot take may go: the cheapest partner (then by id) the tenant allows, in the tenant's data
 * regions, serving the model, whose price (cost + margin) is within both the bid's limit per GPU-hour and the
 * tenant's cap per million tokens, and (given `timing`) that would finish the work before the deadline. Otherwise why
 * none: `partner_not_allowed` when the tenant allows no partner that serves the model in its regions,
 * `partner_over_limit` when every allowed one is too dear, `partner_too_slow` when those within price are too slow.
 * Pure.
 */
export function bidPartnerDecision(
  bid: BidForPartner,
  partners: readonly Partner[],
  settings: PartnerSettings | undefined,
  tokensPerGpuHour: number,
  timing?: BidTiming,
): BidPartnerDecision {
  const allowed = [...partners]
    .filter((p) => settings?.allowedPartnerIds.includes(p.partnerId) && settings.dataRegions.includes(p.region))
    .sort((a, b) => a.partnerId.localeCompare(b.partnerId));
  const quotes = allowed.flatMap((p) => partnerGpuHourQuote(p, bid.modelClass, tokensPerGpuHour) ?? []);
  if (!settings || quotes.length === 0) {
    const detail = !settings
      ? 'the tenant allows no partner cloud'
      : `no allowed partner in ${settings.dataRegions.join(', ')} serves ${bid.modelClass}`;
    return { kind: 'none', reason: 'partner_not_allowed', detail };
  }
  const within = quotes.filter(
    (q) =>
      q.priceUsdPerGpuHour <= bid.limitUsdPerGpuHour &&
      q.priceUsdPerMillionTokens <= settings.maxPriceUsdPerMillionTokens,
  );
  const inTime = within.filter(
    (q) => !timing || partnerFinishMs(q, timing.nowMs, timing.largestPartTokens) <= timing.deadlineMs,
  );
  const best = inTime.sort((a, b) => a.priceUsdPerGpuHour - b.priceUsdPerGpuHour)[0];
  if (best) return { kind: 'partner', quote: best };
  if (within.length > 0) {
    const detail = within
      .map(
        (q) =>
          `${q.partnerId} would finish the work at ${new Date(partnerFinishMs(q, timing!.nowMs, timing!.largestPartTokens)).toISOString()}, after the deadline`,
      )
      .join('; ');
    return { kind: 'none', reason: 'partner_too_slow', detail };
  }
  const detail = quotes
    .map(
      (q) =>
        `${q.partnerId} at ${q.priceUsdPerGpuHour} USD/GPU-h (${q.priceUsdPerMillionTokens} USD per million tokens) is above the limit ${bid.limitUsdPerGpuHour} or the cap ${settings.maxPriceUsdPerMillionTokens}`,
    )
    .join('; ');
  return { kind: 'none', reason: 'partner_over_limit', detail };
}
