import {
  DAM_MCPC_ROWS,
  DAM_SPP_ROWS,
  type ErcotIntervalPrice,
  newestPublicationWins,
  parseReportRows,
  parseSystemLoadRows,
  type RejectedRow,
  RT_MCPC_ROWS,
  RTM_SPP_ROWS,
  SCED_LMP_ROWS,
} from '../../../core/market-ingest/ercot-api.js';
import { ERCOT_TIME_ZONE } from '../../../core/market-ingest/ercot-rtm-spp.js';
import type { Clock } from '../../../core/support/clock.js';
import type { ErcotPublicApiClient } from './ercot-public-api.js';
import type { ErcotFeedResult, ErcotPriceFeed, ErcotSystemLoadResult } from './ercot-source.js';

/** ERCOT's report paths on the Public API (EMIL ids in core/market-ingest/ercot-api.ts). */
export const ERCOT_REPORT_PATHS = {
  rtmSpp: '/np6-905-cd/spp_node_zone_hub',
  damSpp: '/np4-190-cd/dam_stlmnt_pnt_prices',
  damMcpc: '/np4-188-cd/dam_clear_price_for_cap',
  rtMcpc: '/np6-331-cd/rt_clear_price_cap',
  scedLmp: '/np6-788-cd/lmp_node_zone_hub',
  systemLoad: '/np6-345-cd/act_sys_load_by_wzn',
} as const;

/**
 * ERCOT's terms ask that a report be polled at most three times per posting period: NP6-905-CD posts every
 * 15 minutes, so at most every 5 minutes; a run in between reuses the last answer.
 */
const RTM_REFRESH_MS = 5 * 60_000;
/** The DAM posts once a day (about 13:30 the day before): an hour between polls is ample. */
const DAM_REFRESH_MS = 60 * 60_000;
/** NP6-788-CD posts after each SCED run (about every 5 minutes). */
const SCED_REFRESH_MS = 5 * 60_000;
/** NP6-331-CD posts per 15-minute settlement interval. */
const RT_AS_REFRESH_MS = 15 * 60_000;
/** NP6-345-CD posts the previous operating day once a day: an hour between polls is ample. */
const SYSTEM_LOAD_REFRESH_MS = 60 * 60_000;
/** The DAM of tomorrow posts at 13:30 today: asking through the day after the instant catches it. */
const DAM_LOOKAHEAD_MS = 24 * 3_600_000;
/** Reaching back this far from the instant asked for also fetches the day before just after midnight. */
const LOOKBACK_MS = 60 * 60_000;

/** The Central delivery date (YYYY-MM-DD) an instant falls on. */
export function ercotDeliveryDate(atMs: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ERCOT_TIME_ZONE }).format(new Date(atMs));
}

/** The delivery days to ask for at `atMs`: the day before too for the first hour, whose ended intervals are there. */
function deliveryDays(atMs: number): { from: string; to: string } {
  return { from: ercotDeliveryDate(atMs - LOOKBACK_MS), to: ercotDeliveryDate(atMs) };
}

/** The key of a report that is not per settlement point (ancillary services). */
const ALL = '*';

interface Cached {
  readonly key: string;
  readonly fetchedAtMs: number;
  readonly result: ErcotFeedResult;
}

type Parsed = { prices: ErcotIntervalPrice[]; rejected: RejectedRow[] };

/**
 * The price feed over the Public API client: one query per report and delivery days, per settlement point where
 * the report has them, each report on its own refresh schedule.
 */
export class ErcotApiPriceFeed implements ErcotPriceFeed {
  private readonly cache = new Map<string, Cached>();
  private loadCache: { key: string; fetchedAtMs: number; result: ErcotSystemLoadResult } | undefined;

  constructor(private readonly deps: { readonly client: ErcotPublicApiClient; readonly clock: Clock }) {}

  realTimePrices(atMs: number, nodes: readonly string[]): Promise<ErcotFeedResult> {
    return this.cached('rtm', atMs, nodes, RTM_REFRESH_MS, (days, node) =>
      this.report(RTM_SPP_ROWS, ERCOT_REPORT_PATHS.rtmSpp, {
        deliveryDateFrom: days.from,
        deliveryDateTo: days.to,
        settlementPoint: node,
      }),
    );
  }

  dayAheadPrices(atMs: number, nodes: readonly string[]): Promise<ErcotFeedResult> {
    return this.cached('dam', atMs, nodes, DAM_REFRESH_MS, (days, node) =>
      this.report(DAM_SPP_ROWS, ERCOT_REPORT_PATHS.damSpp, {
        deliveryDateFrom: days.from,
        deliveryDateTo: days.to,
        settlementPoint: node,
      }),
    );
  }

  scedLmps(atMs: number, nodes: readonly string[]): Promise<ErcotFeedResult> {
    return this.cached('sced', atMs, nodes, SCED_REFRESH_MS, (days, node) =>
      this.report(SCED_LMP_ROWS, ERCOT_REPORT_PATHS.scedLmp, {
        SCEDTimestampFrom: `${days.from}T00:00:00`,
        SCEDTimestampTo: `${days.to}T23:59:59`,
        settlementPoint: node,
      }),
    );
  }

  /** Today's and, once posted, tomorrow's DAM capacity prices (the planner's horizon reaches into tomorrow). */
  dayAheadAncillaryPrices(atMs: number): Promise<ErcotFeedResult> {
    const to = ercotDeliveryDate(atMs + DAM_LOOKAHEAD_MS);
    return this.cached('dam-as', atMs, [ALL], DAM_REFRESH_MS, (days) =>
      this.report(DAM_MCPC_ROWS, ERCOT_REPORT_PATHS.damMcpc, { deliveryDateFrom: days.from, deliveryDateTo: to }),
    );
  }

  /**
   * NP6-345-CD's hourly ERCOT system load for the operating days from `fromMs`'s to `atMs`'s, each hour with when it
   * became known (core/market-ingest/ercot-api.ts, parseSystemLoadRows); polled at most hourly.
   */
  async actualSystemLoad(atMs: number, fromMs: number, delayMinutes: number): Promise<ErcotSystemLoadResult> {
    const [from, to] = [ercotDeliveryDate(fromMs), ercotDeliveryDate(atMs)];
    const key = `${from}..${to}`;
    const nowMs = this.deps.clock.nowMs();
    const held = this.loadCache;
    if (held && held.key === key && nowMs - held.fetchedAtMs < SYSTEM_LOAD_REFRESH_MS) {
      return { ...held.result, rejected: [] };
    }
    const records = await this.deps.client.records(ERCOT_REPORT_PATHS.systemLoad, {
      operatingDayFrom: from,
      operatingDayTo: to,
    });
    const result = { name: `system-load ${to}`, ...parseSystemLoadRows(records, delayMinutes) };
    this.loadCache = { key, fetchedAtMs: nowMs, result };
    return result;
  }

  /** NP6-331-CD's query fields, like its row fields, are assumed (core/market-ingest/ercot-api.ts, RT_MCPC_ROWS). */
  realTimeAncillaryPrices(atMs: number): Promise<ErcotFeedResult> {
    return this.cached('rt-as', atMs, [ALL], RT_AS_REFRESH_MS, (days) =>
      this.report(RT_MCPC_ROWS, ERCOT_REPORT_PATHS.rtMcpc, { deliveryDateFrom: days.from, deliveryDateTo: days.to }),
    );
  }

  private async report(
    spec: Parameters<typeof parseReportRows>[0],
    path: string,
    query: Record<string, string>,
  ): Promise<Parsed> {
    return parseReportRows(spec, await this.deps.client.records(path, query));
  }

  private async cached(
    kind: string,
    atMs: number,
    nodes: readonly string[],
    refreshMs: number,
    fetchNode: (days: { from: string; to: string }, node: string) => Promise<Parsed>,
  ): Promise<ErcotFeedResult> {
    const days = deliveryDays(atMs);
    const key = `${days.from}..${days.to}|${nodes.join(',')}`;
    const nowMs = this.deps.clock.nowMs();
    const held = this.cache.get(kind);
    // A reused answer's rejected rows were counted when it was fetched.
    if (held && held.key === key && nowMs - held.fetchedAtMs < refreshMs) return { ...held.result, rejected: [] };
    const prices: ErcotIntervalPrice[] = [];
    const rejected: RejectedRow[] = [];
    // One node at a time: the client's rate limit spaces them; in parallel they would only queue there.
    for (const node of nodes) {
      const part = await fetchNode(days, node);
      prices.push(...part.prices);
      rejected.push(...part.rejected);
    }
    const result = { name: `${kind} ${days.to}`, prices: newestPublicationWins(prices), rejected };
    this.cache.set(kind, { key, fetchedAtMs: nowMs, result });
    return result;
  }
}
