import { z } from 'zod';
import type { DemandClassTerms } from '../optimizer/types.js';
import { isoInstantSchema, storableNumber } from '../support/schema.js';

/** Service tiers a GPU-hour is sold in: the optimizer's two demand classes. */
export const gpuTierSchema = z.enum(['guaranteed', 'flex']);

export const gpuPriceSchema = z.strictObject({
  /** As the fleet names it, e.g. `H100`, `H200`, `L40S`. */
  gpuModel: z.string().regex(/^[A-Z][A-Z0-9-]{1,15}$/, 'an upper-case GPU model such as H100'),
  tier: gpuTierSchema,
  // Cents of a cent: a price the table stores exactly (no DynamoDB underflow on 1e-131, no -0).
  usdPerGpuHour: storableNumber({ min: 0.0001, max: 100, decimals: 4 }),
});

/** PUT /v1/market/gpu-prices: the whole sheet, one price per model and tier. */
export const gpuPriceSheetBodySchema = z
  .strictObject({ prices: z.array(gpuPriceSchema).min(1).max(200) })
  .superRefine((sheet, ctx) => {
    const seen = new Set<string>();
    sheet.prices.forEach((price, index) => {
      const key = `${price.gpuModel}/${price.tier}`;
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: ['prices', index], message: `${key} is priced twice` });
      seen.add(key);
    });
  });
export type GpuPriceSheetBody = z.infer<typeof gpuPriceSheetBodySchema>;

export const gpuPriceSheetSchema = z.strictObject({
  prices: z.array(gpuPriceSchema),
  updatedAt: isoInstantSchema,
  updatedBy: z.string().min(1),
});
export type GpuPriceSheet = z.infer<typeof gpuPriceSheetSchema>;

/** The API's answer: the sheet, or null before one is set. */
export const gpuPriceSheetViewSchema = z.object({ sheet: gpuPriceSheetSchema.nullable() });

/** The optimizer counts work in H100-equivalent GPU-hours (core/gpu/capacity.ts): the H100 row prices it. */
export const REFERENCE_GPU_MODEL = 'H100';

/**
 * The demand terms dispatch plans with: the sheet's reference-model prices where set, the defaults for the rest
 * (and for everything when no sheet has been set).
 */
export function demandTermsFromSheet(sheet: GpuPriceSheet | undefined, defaults: DemandClassTerms): DemandClassTerms {
  const priceOf = (tier: z.infer<typeof gpuTierSchema>) =>
    sheet?.prices.find((p) => p.gpuModel === REFERENCE_GPU_MODEL && p.tier === tier)?.usdPerGpuHour;
  return {
    ...defaults,
    guaranteedUsdPerGpuHour: priceOf('guaranteed') ?? defaults.guaranteedUsdPerGpuHour,
    flexUsdPerGpuHour: priceOf('flex') ?? defaults.flexUsdPerGpuHour,
  };
}
