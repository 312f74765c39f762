import { z } from 'zod';
import { bidFillSchema, bidModelClassSchema, bidSchema, bidStatusSchema, bidUnitSchema } from '../bids/bid.js';
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
    /** The bid's own unit: a bid in tokens shows the fill's `tokens` and `priceUsdPerMillionTokens` too. */
    unit: bidUnitSchema,
    limitUsdPerGpuHour: z.number(),
    limitUsdPerMillionTokens: z.number().optional(),
    /** On a statement: what is credited back for the fill's work that failed or missed the deadline. */
    creditUsd: z.number().nonnegative().optional(),
  })
  .meta({ id: 'TenantClearing' });
export type TenantClearing = z.infer<typeof tenantClearingSchema>;

export const clearingHistorySchema = z.object({ items: z.array(tenantClearingSchema) }).meta({ id: 'ClearingHistory' });

/** GET /v1/market/bids: the whole market, for operators (every tenant's open bids). */
export const bidMarketQuerySchema = z.strictObject({
  /** Clearings of the last this many hours. @default 24 */
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 31)
    .default(24),
  /** Only this model class's book, bids and clearings. */
  modelClass: bidModelClassSchema.optional(),
});

const bookLevelSchema = z.object({
  limitUsdPerGpuHour: z.number(),
  gpuHours: z.number().nonnegative(),
  bids: z.number().int().positive(),
  /** GPU-hours wanted at this limit or above. */
  cumulativeGpuHours: z.number().nonnegative(),
});

export const clearingRecordSchema = z
  .object({
    clearingId: z.string(),
    intervalStart: z.string(),
    modelClass: z.string(),
    /** The interval's uniform price (the lowest accepted limit); null when nothing was filled. */
    priceUsdPerGpuHour: z.number().nullable(),
    /** GPU-hours the plan gave bids of the class in the interval. */
    capacityGpuHours: z.number().nonnegative(),
    fills: z.array(
      z.object({ bidId: z.string(), tenantId: z.string(), gpuHours: z.number(), amountUsd: z.number() }).loose(),
    ),
    skipped: z.array(z.object({ bidId: z.string(), reason: z.string() }).loose()),
    clearedAt: z.string(),
  })
  .meta({ id: 'BidClearing' });

export const bidMarketSchema = z
  .object({
    asOf: z.string(),
    /** Per model class, the open bids' remaining work at each limit, highest first, with the depth down the book. */
    book: z.array(z.object({ modelClass: z.string(), levels: z.array(bookLevelSchema) })),
    /** Every tenant's servable bids, highest limit first. */
    openBids: z.array(
      bidSchema
        .pick({
          id: true,
          tenantId: true,
          modelClass: true,
          unit: true,
          limitUsdPerGpuHour: true,
          tokens: true,
          limitUsdPerMillionTokens: true,
          earliestStartAt: true,
          deadlineAt: true,
          allOrNothing: true,
          placedAt: true,
        })
        .extend({ remainingGpuHours: z.number().nonnegative() }),
    ),
    /** The clearings of the window, newest first. */
    clearings: z.array(clearingRecordSchema),
  })
  .meta({ id: 'BidMarket' });
export type BidMarket = z.infer<typeof bidMarketSchema>;
