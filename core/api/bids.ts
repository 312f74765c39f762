import { z } from 'zod';
import { bidFillSchema, bidSchema, bidStatusSchema } from '../bids/bid.js';
import { idSchema } from '../support/schema.js';

/** The bid routes' path, query and answer contracts (issue 28); the bid itself is core/bids/bid.ts. */
export const bidPathSchema = z.strictObject({ bidId: idSchema });

export const listBidsQuerySchema = z.strictObject({ status: bidStatusSchema.optional() });

/** How a fill's work went (core/bids/fill-work.ts `fillWork`): its parts' jobs, and what is credited for them. */
export const fillWorkSchema = z
  .object({
    status: z.enum(['running', 'completed', 'failed']),
    parts: z.number().int().nonnegative(),
    partsCompleted: z.number().int().nonnegative(),
    partsMissed: z.number().int().nonnegative(),
    creditUsd: z.number().nonnegative(),
  })
  .meta({ id: 'BidFillWork' });

/** GET /v1/bids/{bidId}: the bid, each fill with how its work went. */
export const bidViewSchema = bidSchema
  .extend({ fills: z.array(bidFillSchema.extend({ work: fillWorkSchema })) })
  .meta({ id: 'BidView' });

export const bidListSchema = z.object({ items: z.array(bidSchema) }).meta({ id: 'BidList' });

/** One fill of one of the tenant's bids, with the bid it filled: the tenant's clearing history. */
export const tenantClearingSchema = bidFillSchema
  .extend({
    bidId: idSchema,
    modelClass: z.string(),
    limitUsdPerGpuHour: z.number(),
    /** On a statement: what is credited back for the fill's work that failed or missed the deadline. */
    creditUsd: z.number().nonnegative().optional(),
  })
  .meta({ id: 'TenantClearing' });
export type TenantClearing = z.infer<typeof tenantClearingSchema>;

export const clearingHistorySchema = z.object({ items: z.array(tenantClearingSchema) }).meta({ id: 'ClearingHistory' });
