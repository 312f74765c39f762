import { z } from 'zod';
import { bidFillSchema, bidSchema, bidStatusSchema, bidUnitSchema } from '../bids/bid.js';
import { idSchema } from '../support/schema.js';

/** The bid routes' path, query and answer contracts (issue 28); the bid itself is core/bids/bid.ts. */
export const bidPathSchema = z.strictObject({ bidId: idSchema });

export const listBidsQuerySchema = z.strictObject({ status: bidStatusSchema.optional() });

export const bidListSchema = z.object({ items: z.array(bidSchema) }).meta({ id: 'BidList' });

/** One fill of one of the tenant's bids, with the bid it filled: the tenant's clearing history. */
export const tenantClearingSchema = bidFillSchema
  .extend({
    bidId: idSchema,
    modelClass: z.string(),
    /** The bid's own unit: a bid in tokens shows the fill's `tokens` and `priceUsdPerMillionTokens` too. */
    unit: bidUnitSchema,
    limitUsdPerGpuHour: z.number(),
    limitUsdPerMillionTokens: z.number().optional(),
  })
  .meta({ id: 'TenantClearing' });
export type TenantClearing = z.infer<typeof tenantClearingSchema>;

export const clearingHistorySchema = z.object({ items: z.array(tenantClearingSchema) }).meta({ id: 'ClearingHistory' });
