import { z } from 'zod';
import { isoInstantSchema, storableNumber } from '../support/schema.js';
import type { FieldIssue } from '../support/validation.js';
import { dataRegionSchema, type Partner, partnerIdSchema } from './catalogue.js';

/**
 * PUT /v1/partner-settings: whether and where a tenant's work may overflow to partner clouds when no site of the
 * fleet can meet its deadline. Without settings a tenant's work never leaves the fleet.
 */
export const partnerSettingsBodySchema = z.strictObject({
  /** Partners the tenant accepts; empty: none. */
  allowedPartnerIds: z.array(partnerIdSchema).max(20),
  /** Regions the tenant's prompts and outputs may be processed in (data residency). */
  dataRegions: z.array(dataRegionSchema).min(1).max(5),
  /** The most the tenant pays per million tokens (input and output) on a partner. */
  maxPriceUsdPerMillionTokens: storableNumber({ min: 0.0001, max: 1000, decimals: 4 }),
});
export type PartnerSettingsBody = z.infer<typeof partnerSettingsBodySchema>;

export const partnerSettingsSchema = partnerSettingsBodySchema
  .extend({ tenantId: z.string().min(1), updatedAt: isoInstantSchema, updatedBy: z.string().min(1) })
  .meta({ id: 'PartnerSettings' });
export type PartnerSettings = z.infer<typeof partnerSettingsSchema>;

export const partnerSettingsViewSchema = z.object({ settings: partnerSettingsSchema.nullable() });

/**
 * Rules the body's shape cannot tell (a 422 naming the field): each allowed partner is in the catalogue, once, and
 * processes data in one of the tenant's regions (a partner the tenant could never use is a mistake, not a choice).
 */
export function partnerSettingsIssues(body: PartnerSettingsBody, catalogue: readonly Partner[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  body.allowedPartnerIds.forEach((partnerId, index) => {
    const field = `allowedPartnerIds[${index}]`;
    const partner = catalogue.find((p) => p.partnerId === partnerId);
    if (seen.has(partnerId)) issues.push({ field, rule: 'duplicate', message: `${partnerId} is listed twice` });
    else if (!partner) issues.push({ field, rule: 'unknown_partner', message: `${partnerId} is not a partner` });
    else if (!body.dataRegions.includes(partner.region)) {
      const message = `${partnerId} processes data in ${partner.region}, outside dataRegions`;
      issues.push({ field, rule: 'outside_data_regions', message });
    }
    seen.add(partnerId);
  });
  return issues;
}
