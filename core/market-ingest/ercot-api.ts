import { z } from 'zod';
import type { MarketAncillaryProduct } from '../ancillary/products.js';
import { ERCOT_PUBLICATION } from '../market-data/known-at.js';
import { localWallMinutes, zonedWallTimeToUtcMs } from '../market-data/time-zone.js';
import { priceUsdPerMwhSchema } from '../model/market.js';
import { ERCOT_TIME_ZONE, type ErcotDeliveryDate, ercotIntervalStartMs } from './ercot-rtm-spp.js';

/**
 * Rows of ERCOT's Public API (api.ercot.com/api/public-reports/<emil-id>/<report>), one schema per report. A page of
 * the API is `{ _meta: { totalPages, currentPage, ... }, fields: [{ name, ... }], data: [[...], ...] }`: each row an
 * array in the order of `fields` (developer.ercot.com/applications/pubapi/user-guide/using-the-api; ERCOT's OpenAPI
 * spec github.com/ercot/api-specs pubapi/pubapi-apim-api.json). Field names below are the API's, per report.
 *
 * Times are Central prevailing time. A 15-minute interval is (hour ending, interval 1–4); an hourly one is hour
 * ending "01:00"–"24:00"; the repeated hour of the fall-back day carries DSTFlag=true (a 25-hour day), the
 * spring-forward day simply has no hour ending 03:00 (a 23-hour day).
 */

export const ercotApiPageSchema = z.object({
  _meta: z.looseObject({
    totalPages: z.number().int().nonnegative(),
    currentPage: z.number().int().positive(),
  }),
  fields: z.array(z.looseObject({ name: z.string().min(1) })),
  data: z.array(z.array(z.unknown())),
});
export type ErcotApiPage = z.infer<typeof ercotApiPageSchema>;

/** A page's rows as records keyed by field name. */
export function pageRecords(page: ErcotApiPage): Array<Record<string, unknown>> {
  const names = page.fields.map((field) => field.name);
  return page.data.map((row) => Object.fromEntries(names.map((name, index) => [name, row[index]])));
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const US_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;

/** ERCOT's API writes dates as YYYY-MM-DD; its CSV downloads as MM/DD/YYYY. Both are accepted. */
const deliveryDateSchema = z.string().transform((text, ctx): ErcotDeliveryDate => {
  const iso = ISO_DATE.exec(text);
  if (iso) return { year: +iso[1]!, month: +iso[2]!, day: +iso[3]! };
  const us = US_DATE.exec(text);
  if (us) return { year: +us[3]!, month: +us[1]!, day: +us[2]! };
  ctx.addIssue({ code: 'custom', message: `"${text}" is not YYYY-MM-DD or MM/DD/YYYY` });
  return z.NEVER;
});

/** The API sends booleans; CSV downloads send Y/N. */
const dstFlagSchema = z.union([
  z.boolean(),
  z.enum(['Y', 'N', 'y', 'n']).transform((flag) => flag.toUpperCase() === 'Y'),
]);

const hourEndingNumberSchema = z.coerce.number().int().min(1).max(24);
/** "01:00"–"24:00". */
const hourEndingClockSchema = z
  .string()
  .regex(/^(0[1-9]|1\d|2[0-4]):00$/, 'is not an hour ending "01:00"–"24:00"')
  .transform((text) => Number(text.slice(0, 2)));

const settlementPointSchema = z.string().regex(/^[A-Z0-9_]{1,40}$/, 'is not a settlement point name');
/** When ERCOT posted the row; present in archive listings and corrected reports, optional otherwise. */
const postedSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/, 'is not a posted date-time')
  .nullish()
  .transform((posted) => posted ?? undefined);

/** A price for one interval at one place, from one publication. */
export interface ErcotIntervalPrice {
  readonly report: string;
  readonly intervalStartMs: number;
  readonly intervalMinutes: number;
  /** Settlement point, or the ancillary service type for capacity prices. */
  readonly key: string;
  readonly priceUsdPerMwh: number;
  /** Central prevailing posted time as sent; orders publications of the same interval. */
  readonly posted?: string;
  /** When the price became known: `posted` when sent, else the report's publication rule (publishedAtMs). */
  readonly publishedAtMs: number;
}

export interface RejectedRow {
  readonly report: string;
  /** 0-based index across the pages fetched, in the order received. */
  readonly row: number;
  /** The field and the rule it broke. */
  readonly reason: string;
}

interface ReportRowSpec {
  readonly report: string;
  readonly intervalMinutes: number;
  /** Which known-at rule dates a row that carries no posted time (ERCOT_PUBLICATION). */
  readonly market: 'day-ahead' | 'real-time';
  readonly schema: z.ZodType<{
    intervalStartMs: number;
    key: string;
    priceUsdPerMwh: number;
    posted?: string | undefined;
  }>;
}

/** The delivery fields of a 15-minute report row (RT SPP, RT AS): the interval is 1-4 within its hour ending. */
const quarterHourFields = {
  deliveryDate: deliveryDateSchema,
  deliveryHour: hourEndingNumberSchema,
  deliveryInterval: z.coerce.number().int().min(1).max(4),
};

function quarterHourStartMs(row: {
  deliveryDate: ErcotDeliveryDate;
  deliveryHour: number;
  deliveryInterval: number;
  DSTFlag: boolean;
}): number {
  return ercotIntervalStartMs(row.deliveryDate, row.deliveryHour, (row.deliveryInterval - 1) * 15, row.DSTFlag);
}

/** NP6-905-CD, `/np6-905-cd/spp_node_zone_hub`: real-time settlement point prices, 15-minute. */
export const RTM_SPP_ROWS: ReportRowSpec = {
  report: 'NP6-905-CD',
  market: 'real-time',
  intervalMinutes: 15,
  schema: z
    .object({
      ...quarterHourFields,
      settlementPoint: settlementPointSchema,
      settlementPointPrice: z.coerce.number().pipe(priceUsdPerMwhSchema),
      DSTFlag: dstFlagSchema,
      postedDatetime: postedSchema,
    })
    .transform((row) => ({
      intervalStartMs: quarterHourStartMs(row),
      key: row.settlementPoint,
      priceUsdPerMwh: row.settlementPointPrice,
      posted: row.postedDatetime,
    })),
};

/** NP4-190-CD, `/np4-190-cd/dam_stlmnt_pnt_prices`: day-ahead settlement point prices, hourly. */
export const DAM_SPP_ROWS: ReportRowSpec = {
  report: 'NP4-190-CD',
  market: 'day-ahead',
  intervalMinutes: 60,
  schema: z
    .object({
      deliveryDate: deliveryDateSchema,
      hourEnding: hourEndingClockSchema,
      settlementPoint: settlementPointSchema,
      settlementPointPrice: z.coerce.number().pipe(priceUsdPerMwhSchema),
      DSTFlag: dstFlagSchema,
      postedDatetime: postedSchema,
    })
    .transform((row) => ({
      intervalStartMs: ercotIntervalStartMs(row.deliveryDate, row.hourEnding, 0, row.DSTFlag),
      key: row.settlementPoint,
      priceUsdPerMwh: row.settlementPointPrice,
      posted: row.postedDatetime,
    })),
};

/** A clearing price for capacity ($/MW per hour); the offer cap bounds it like energy. */
const mcpcSchema = z.coerce.number().finite().min(0).max(5000);
const asTypeSchema = z.string().regex(/^[A-Z]{2,8}$/, 'is not an ancillary service type');

/** NP4-188-CD, `/np4-188-cd/dam_clear_price_for_cap`: day-ahead ancillary service clearing prices (MCPC), hourly. */
export const DAM_MCPC_ROWS: ReportRowSpec = {
  report: 'NP4-188-CD',
  market: 'day-ahead',
  intervalMinutes: 60,
  schema: z
    .object({
      deliveryDate: deliveryDateSchema,
      hourEnding: hourEndingClockSchema,
      ancillaryType: asTypeSchema,
      MCPC: mcpcSchema,
      DSTFlag: dstFlagSchema,
      postedDatetime: postedSchema,
    })
    .transform((row) => ({
      intervalStartMs: ercotIntervalStartMs(row.deliveryDate, row.hourEnding, 0, row.DSTFlag),
      key: row.ancillaryType,
      priceUsdPerMwh: row.MCPC,
      posted: row.postedDatetime,
    })),
};

/**
 * NP6-331-CD, `/np6-331-cd/rt_clear_price_cap`: "Real-Time Clearing Prices for Capacity by 15-Minute Settlement
 * Interval", published since RTC+B went live (2025-12-05): per AS type (REGUP, REGDN, RRS, NSPIN, ECRS) the
 * time-weighted RT MCPC plus the RT reliability deployment price adder. Its per-SCED companion is NP6-332-CD. The
 * ORDC price adders were retired with RTC+B. The row fields are assumed to follow ERCOT's 15-minute convention
 * (deliveryDate, deliveryHour, deliveryInterval, DSTFlag) with `ASType` and `MCPC`: the search found the report id
 * and path but not its field list; check against api-specs before going live.
 */
export const RT_MCPC_ROWS: ReportRowSpec = {
  report: 'NP6-331-CD',
  market: 'real-time',
  intervalMinutes: 15,
  schema: z
    .object({
      ...quarterHourFields,
      ASType: asTypeSchema,
      MCPC: mcpcSchema,
      DSTFlag: dstFlagSchema,
      postedDatetime: postedSchema,
    })
    .transform((row) => ({
      intervalStartMs: quarterHourStartMs(row),
      key: row.ASType,
      priceUsdPerMwh: row.MCPC,
      posted: row.postedDatetime,
    })),
};

/**
 * The DAM capacity prices a load resource is paid (core/ancillary/products.ts): RRS through its under-frequency relay,
 * ECRS, Non-Spin. REGUP/REGDN need a Controllable Load Resource and are not offered.
 */
export const ERCOT_AS_TYPE_PRODUCTS = { RRS: 'RRS-UFR', ECRS: 'ECRS', NSPIN: 'NSPIN' } as const satisfies Record<
  string,
  MarketAncillaryProduct
>;

const loadMwSchema = z.coerce.number().finite().gt(0).lt(200_000);

/**
 * NP6-345-CD, `/np6-345-cd/act_sys_load_by_wzn`: "Actual System Load by Weather Zone", hourly, for the previous
 * Operating Day (NPRR481, Protocols 6.3.2). Path and query fields (`operatingDayFrom`/`operatingDayTo`) are ERCOT's
 * API spec (github.com/ercot/api-specs, pubapi-apim-api.json). The row fields are taken from that spec's query
 * parameters (operatingDay, hourEnding, the eight zones, `total`, DSTFlag), which a public client's test also uses;
 * the spec gives no row list, so they are not confirmed from ERCOT itself. Only `total` (the ERCOT system load) is read.
 */
export const SYSTEM_LOAD_REPORT = 'NP6-345-CD';
const systemLoadRowSchema = z
  .object({
    operatingDay: deliveryDateSchema,
    hourEnding: hourEndingClockSchema,
    total: loadMwSchema,
    DSTFlag: dstFlagSchema,
  })
  .transform((row) => ({
    intervalStartMs: ercotIntervalStartMs(row.operatingDay, row.hourEnding, 0, row.DSTFlag),
    systemLoadMw: row.total,
    operatingDayEndMs: ercotDayBoundsMs(row.operatingDay).toMs,
  }));

/** An hour of ERCOT system load with when it became known. */
export interface PublishedSystemLoad {
  readonly intervalStartMs: number;
  readonly systemLoadMw: number;
  readonly publishedAtMs: number;
}

/**
 * NP6-345-CD rows as hours of system load. Known-at: the 4CP forecaster's rule (`delayMinutes` after the hour,
 * core/forecast/four-cp.ts), and never before its operating day has ended, as the report covers the previous day; the
 * posting time within the next day is not confirmed, so the day's end is the earliest instant taken. A bad row is
 * rejected naming its field and never stored.
 */
export function parseSystemLoadRows(
  records: ReadonlyArray<Record<string, unknown>>,
  delayMinutes: number,
): { points: PublishedSystemLoad[]; rejected: RejectedRow[] } {
  const points: PublishedSystemLoad[] = [];
  const rejected: RejectedRow[] = [];
  records.forEach((record, row) => {
    const parsed = systemLoadRowSchema.safeParse(record);
    if (!parsed.success) {
      rejected.push({ report: SYSTEM_LOAD_REPORT, row, reason: reasonOf(parsed.error) });
      return;
    }
    const { intervalStartMs, systemLoadMw, operatingDayEndMs } = parsed.data;
    const delayMs = delayMinutes * MINUTE_MS;
    points.push({
      intervalStartMs,
      systemLoadMw,
      publishedAtMs: Math.max(intervalStartMs + HOUR_MS, operatingDayEndMs) + delayMs,
    });
  });
  return { points, rejected };
}

const SCED_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$|^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/;
const HOUR_MS = 3_600_000;

/** A SCED run's wall-clock timestamp (either form); `repeatHourFlag` marks the second 01:xx of the fall-back day. */
const scedTimestampSchema = z.string().transform((text, ctx) => {
  const m = SCED_TIMESTAMP.exec(text);
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not YYYY-MM-DDTHH:mm:ss or MM/DD/YYYY HH:mm:ss` });
    return z.NEVER;
  }
  const [year, month, day, hour, minute, second] = m[1]
    ? [m[1], m[2], m[3], m[4], m[5], m[6]]
    : [m[9], m[7], m[8], m[10], m[11], m[12]];
  return { year: +year!, month: +month!, day: +day!, hour: +hour!, minute: +minute!, second: +second! };
});

/**
 * NP6-788-CD, `/np6-788-cd/lmp_node_zone_hub`: "LMPs by Resource Nodes, Load Zones and Trading Hubs", one set per
 * SCED run (about every 5 minutes). The interval is the 5 minutes the run's timestamp falls in.
 */
export const SCED_LMP_ROWS: ReportRowSpec = {
  report: 'NP6-788-CD',
  market: 'real-time',
  intervalMinutes: 5,
  schema: z
    .object({
      SCEDTimestamp: scedTimestampSchema,
      repeatHourFlag: dstFlagSchema,
      settlementPoint: settlementPointSchema,
      LMP: z.coerce.number().pipe(priceUsdPerMwhSchema),
    })
    .transform((row) => {
      const atMs = zonedWallTimeToUtcMs(row.SCEDTimestamp, ERCOT_TIME_ZONE) + (row.repeatHourFlag ? HOUR_MS : 0);
      return { intervalStartMs: atMs - (atMs % 300_000), key: row.settlementPoint, priceUsdPerMwh: row.LMP };
    }),
};

const MINUTE_MS = 60_000;
const POSTED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/;

/**
 * When a price became known (core/market-data/known-at.ts): its posted time (Central) when the row carries one;
 * otherwise a real-time price `rtPublicationDelayMinutes` after its interval ends, a day-ahead one at the DAM's
 * posting (13:30 Central the day before its operating day).
 */
export function publishedAtMs(
  price: Pick<ErcotIntervalPrice, 'intervalStartMs' | 'intervalMinutes' | 'posted'>,
  market: 'day-ahead' | 'real-time',
): number {
  const posted = price.posted ? POSTED.exec(price.posted) : null;
  if (posted) {
    const [year, month, day, hour, minute, second] = posted.slice(1).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return zonedWallTimeToUtcMs({ year, month, day, hour, minute, second }, ERCOT_TIME_ZONE);
  }
  if (market === 'real-time') {
    return price.intervalStartMs + (price.intervalMinutes + ERCOT_PUBLICATION.rtPublicationDelayMinutes) * MINUTE_MS;
  }
  // The operating day's local midnight, as wall minutes since the epoch, then back one day to the posting minute.
  const localDayStart = Math.floor(localWallMinutes(price.intervalStartMs, ERCOT_TIME_ZONE) / 1440) * 1440;
  const wall = new Date((localDayStart - 1440 + ERCOT_PUBLICATION.dayAheadPublishedMinuteOfDay) * MINUTE_MS);
  return zonedWallTimeToUtcMs(
    {
      year: wall.getUTCFullYear(),
      month: wall.getUTCMonth() + 1,
      day: wall.getUTCDate(),
      hour: wall.getUTCHours(),
      minute: wall.getUTCMinutes(),
      second: 0,
    },
    ERCOT_TIME_ZONE,
  );
}

function reasonOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(row)'}: ${issue.message}`).join('; ');
}

/**
 * Validates each record against the report's row schema: a good row becomes a price, a bad one is rejected with the
 * field and rule it broke (and is never stored). Rows of other settlement points are kept: the caller filters.
 */
export function parseReportRows(
  spec: ReportRowSpec,
  records: ReadonlyArray<Record<string, unknown>>,
): { prices: ErcotIntervalPrice[]; rejected: RejectedRow[] } {
  const prices: ErcotIntervalPrice[] = [];
  const rejected: RejectedRow[] = [];
  records.forEach((record, row) => {
    const parsed = spec.schema.safeParse(record);
    if (!parsed.success) {
      rejected.push({ report: spec.report, row, reason: reasonOf(parsed.error) });
      return;
    }
    const { posted, ...rest } = parsed.data;
    const price = {
      report: spec.report,
      intervalMinutes: spec.intervalMinutes,
      ...rest,
      ...(posted ? { posted } : {}),
    };
    prices.push({ ...price, publishedAtMs: publishedAtMs(price, spec.market) });
  });
  return { prices, rejected };
}

/**
 * One price per (interval, key): the newest publication wins. ERCOT re-posts a corrected report for an interval
 * already published; rows carry their posted time when the API gives it, and otherwise the later row received wins
 * (the client asks for rows in posted order).
 */
export function newestPublicationWins(prices: readonly ErcotIntervalPrice[]): ErcotIntervalPrice[] {
  const byInterval = new Map<string, ErcotIntervalPrice>();
  for (const price of prices) {
    const id = `${price.intervalStartMs}|${price.key}`;
    const held = byInterval.get(id);
    if (!held || (price.posted ?? '') >= (held.posted ?? '')) byInterval.set(id, price);
  }
  return [...byInterval.values()].sort((a, b) => a.intervalStartMs - b.intervalStartMs || a.key.localeCompare(b.key));
}

/**
 * Intervals in [fromMs, toMs) where one of `keys` has no price: flagged so a gap is seen, never filled silently.
 * Works on UTC instants, so a 25-hour day expects 100 quarter-hours and a 23-hour day 92.
 */
export function missingIntervals(
  prices: readonly ErcotIntervalPrice[],
  keys: readonly string[],
  range: { fromMs: number; toMs: number; intervalMinutes: number },
): Array<{ intervalStartMs: number; key: string }> {
  const held = new Set(prices.map((p) => `${p.intervalStartMs}|${p.key}`));
  const stepMs = range.intervalMinutes * 60_000;
  const missing: Array<{ intervalStartMs: number; key: string }> = [];
  for (let at = range.fromMs; at < range.toMs; at += stepMs) {
    for (const key of keys) if (!held.has(`${at}|${key}`)) missing.push({ intervalStartMs: at, key });
  }
  return missing;
}

/** UTC bounds of a Central delivery day: 24 hours long, or 25 (fall-back) or 23 (spring-forward). */
export function ercotDayBoundsMs(date: ErcotDeliveryDate): { fromMs: number; toMs: number } {
  const next = new Date(Date.UTC(date.year, date.month - 1, date.day + 1));
  return {
    fromMs: ercotIntervalStartMs(date, 1, 0, false),
    toMs: ercotIntervalStartMs(
      { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() },
      1,
      0,
      false,
    ),
  };
}
