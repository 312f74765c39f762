import { z } from 'zod';
import { roundUsd } from '../routing/pricing.js';
import { isoInstantSchema, storableNumber } from '../support/schema.js';

/**
 * Partner clouds HCP may overflow work to: each an OpenAI-compatible endpoint (`/v1/chat/completions`,
 * `/v1/completions`, `/v1/models`) with its region, per-token prices and speed. The catalogue is the platform's
 * (admins set it through the API); a tenant chooses from it (./settings.ts).
 */

/** Where a partner processes data, and where a tenant allows its data to go. */
export const dataRegionSchema = z.enum(['us', 'eu', 'uk', 'ca', 'apac']);
export type DataRegion = z.infer<typeof dataRegionSchema>;

/**
 * A partner's id; it names the partner on metered lines in place of a site (so it follows the site id rule) and
 * carries the `partner-` prefix so it never reads as one of the fleet's sites.
 */
export const partnerIdSchema = z
  .string()
  .min(9)
  .max(64)
  .regex(/^partner-[a-z0-9][a-z0-9-]*$/, '`partner-` then lower-case letters, digits and dashes');

const usdPerMillionTokens = storableNumber({ min: 0, max: 1000, decimals: 4 });

export const partnerModelOfferSchema = z.strictObject({
  /** The model as HCP names it (core/gpu/models.ts), sent to the partner as `model`. */
  modelId: z.string().min(1).max(128),
  inputUsdPerMillionTokens: usdPerMillionTokens,
  outputUsdPerMillionTokens: usdPerMillionTokens,
  /** One request's decode speed there: bounds the finish estimate. */
  outputTokensPerSec: storableNumber({ min: 1, max: 100_000, decimals: 2 }),
});
export type PartnerModelOffer = z.infer<typeof partnerModelOfferSchema>;

export const partnerSchema = z.strictObject({
  partnerId: partnerIdSchema,
  name: z.string().min(1).max(100),
  region: dataRegionSchema,
  /** The OpenAI-compatible base, e.g. `https://api.partner.example` (the client appends `/v1/...`). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** Time to the first token, added to every finish estimate. */
  latencyMs: z.number().int().min(0).max(600_000),
  /** What HCP adds to the partner's cost when it resells the work: 0.25 is 25 %. */
  markupFraction: storableNumber({ min: 0, max: 5, decimals: 4 }),
  models: z.array(partnerModelOfferSchema).min(1).max(100),
});
export type Partner = z.infer<typeof partnerSchema>;

/** PUT /v1/partners: the whole catalogue, each partner once. */
export const partnerCatalogueBodySchema = z
  .strictObject({ partners: z.array(partnerSchema).max(20) })
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.partners.forEach((partner, index) => {
      if (seen.has(partner.partnerId)) {
        ctx.addIssue({ code: 'custom', path: ['partners', index, 'partnerId'], message: 'listed twice' });
      }
      seen.add(partner.partnerId);
    });
  });
export type PartnerCatalogueBody = z.infer<typeof partnerCatalogueBodySchema>;

export const partnerCatalogueSchema = z
  .strictObject({
    partners: z.array(partnerSchema),
    updatedAt: isoInstantSchema,
    updatedBy: z.string().min(1),
  })
  .meta({ id: 'PartnerCatalogue' });
export type PartnerCatalogue = z.infer<typeof partnerCatalogueSchema>;

/** The API's answer: the catalogue, or an empty one before an admin sets it. */
export const partnerCatalogueViewSchema = z.object({
  partners: z.array(partnerSchema),
  updatedAt: z.string().nullable(),
});

export const offerOf = (partner: Partner, modelId: string): PartnerModelOffer | undefined =>
  partner.models.find((m) => m.modelId === modelId);

/** What HCP charges for a partner's cost: the partner's markup on top, and the margin that leaves, both rounded. */
export function resalePrice(partner: Pick<Partner, 'markupFraction'>, costUsd: number) {
  const priceUsd = roundUsd(costUsd * (1 + partner.markupFraction));
  return { priceUsd, marginUsd: roundUsd(priceUsd - costUsd) };
}
