import { z } from 'zod';
import { idSchema, isoInstantSchema, nonNegative, positive, siteIdSchema } from '../support/schema.js';

/** ERCOT's real-time offer cap (system-wide offer cap since 2023). */
export const ERCOT_PRICE_CAP_USD_PER_MWH = 5000;
/** ERCOT's floor on settlement point prices. */
export const ERCOT_PRICE_FLOOR_USD_PER_MWH = -251;

export const priceUsdPerMwhSchema = z
  .number()
  .finite()
  .min(ERCOT_PRICE_FLOOR_USD_PER_MWH)
  .max(ERCOT_PRICE_CAP_USD_PER_MWH);

/**
 * A value as the market published it: the interval it prices and when it became known (the known-at rule of
 * core/market-data/known-at.ts), so a replay or an audit can tell what a decision could have seen.
 */
const publishedIntervalShape = {
  /** Start of the priced interval. */
  intervalStartAt: isoInstantSchema,
  /** When the market published the value: its posted time, or the report's publication rule when none was sent. */
  publishedAt: isoInstantSchema,
};

/** The SCED locational marginal price (ERCOT NP6-788-CD, one per 5-minute SCED run) at a settlement point. */
export const scedLmpSchema = z.strictObject({
  lmpUsdPerMwh: priceUsdPerMwhSchema,
  ...publishedIntervalShape,
});
export type ScedLmp = z.infer<typeof scedLmpSchema>;

export const nodePriceSchema = z.strictObject({
  node: z.string().regex(/^[A-Z][A-Z0-9_]{1,31}$/),
  realTimeUsdPerMwh: priceUsdPerMwhSchema,
  dayAheadUsdPerMwh: priceUsdPerMwhSchema.optional(),
  /** The newest 5-minute SCED LMP known; only sources that publish one (ERCOT) fill it. */
  lmp: scedLmpSchema.optional(),
});
export type NodePrice = z.infer<typeof nodePriceSchema>;

/** A capacity clearing price ($/MW per hour); ERCOT's offer cap bounds it like energy. */
const capacityPriceSchema = nonNegative.max(ERCOT_PRICE_CAP_USD_PER_MWH);

/**
 * Ancillary-service clearing prices (MCPC, $/MW per hour) of one interval: the real-time ones (ERCOT NP6-331-CD,
 * 15-minute, since RTC+B 2025-12-05) when known for the snapshot's interval, else the day-ahead ones (NP4-188-CD,
 * hourly) for the hour holding it.
 */
export const ancillaryPricesSchema = z.strictObject({
  source: z.enum(['dam', 'rt']),
  intervalMinutes: z.union([z.literal(15), z.literal(60)]),
  ...publishedIntervalShape,
  ancillaryUsdPerMwH: z.strictObject({
    regup: capacityPriceSchema,
    regdn: capacityPriceSchema,
    rrs: capacityPriceSchema,
    ecrs: capacityPriceSchema,
    nspin: capacityPriceSchema,
  }),
});
export type AncillaryPrices = z.infer<typeof ancillaryPricesSchema>;

/** Hashprice with the inputs it was computed from (see economics/hashprice.ts). */
export const hashpriceSchema = z.strictObject({
  hashpriceUsdPerThDay: nonNegative,
  btcPriceUsd: positive,
  difficulty: positive,
  subsidyBtc: nonNegative,
  feesBtcPerDay: nonNegative,
});
export type Hashprice = z.infer<typeof hashpriceSchema>;

export const gridEventKindSchema = z.enum(['demand-response', '4cp-peak', 'frequency-dip', 'emergency']);

export const gridEventSchema = z
  .strictObject({
    id: idSchema,
    kind: gridEventKindSchema,
    /** ERS/ECRS for deployments; omitted for other kinds. */
    program: z.enum(['ERS-10', 'ERS-30', 'ECRS', 'CLR', 'voluntary']).optional(),
    /** Sites concerned; empty means every site in the market. */
    siteIds: z.array(siteIdSchema).max(500).default([]),
    startsAt: isoInstantSchema,
    endsAt: isoInstantSchema,
    /** For a 4CP window: the forecast probability that this interval sets the annual peak. */
    probability: z.number().min(0).max(1).optional(),
  })
  .refine((e) => Date.parse(e.endsAt) > Date.parse(e.startsAt), {
    path: ['endsAt'],
    message: 'must be after startsAt',
  });
export type GridEvent = z.infer<typeof gridEventSchema>;

export const marketSnapshotSchema = z.strictObject({
  at: isoInstantSchema,
  intervalMinutes: z.number().int().positive().max(60),
  prices: z.array(nodePriceSchema).min(1).max(1000),
  hashprice: hashpriceSchema,
  /** What a GPU-hour sells for on the spot market: the opportunity value of a GPU. */
  gpuSpotUsdPerGpuHour: nonNegative,
  gridEvents: z.array(gridEventSchema).max(100).default([]),
  /** Only sources that publish them (ERCOT); synthetic and CSV snapshots leave them out. */
  ancillary: ancillaryPricesSchema.optional(),
});
export type MarketSnapshot = z.infer<typeof marketSnapshotSchema>;
