import {
  DAM_SPP_ROWS,
  type ErcotIntervalPrice,
  newestPublicationWins,
  parseReportRows,
  type RejectedRow,
  RTM_SPP_ROWS,
} from '../../../core/market-ingest/ercot-api.js';
import { ERCOT_TIME_ZONE } from '../../../core/market-ingest/ercot-rtm-spp.js';
import type { Clock } from '../../../core/support/clock.js';
import type { ErcotPublicApiClient } from './ercot-public-api.js';
import type { ErcotFeedResult, ErcotPriceFeed } from './ercot-source.js';

/** ERCOT's report paths on the Public API (EMIL ids in core/market-ingest/ercot-api.ts). */
export const ERCOT_REPORT_PATHS = {
  rtmSpp: '/np6-905-cd/spp_node_zone_hub',
  damSpp: '/np4-190-cd/dam_stlmnt_pnt_prices',
  damMcpc: '/np4-188-cd/dam_clear_price_for_cap',
  rtMcpc: '/np6-331-cd/rt_clear_price_cap',
  scedLmp: '/np6-788-cd/lmp_node_zone_hub',
} as const;

/**
 * ERCOT's terms ask that a report be polled at most three times per posting period: NP6-905-CD posts every
 * 15 minutes, so at most every 5 minutes; a run in between reuses the last answer.
 */
const RTM_REFRESH_MS = 5 * 60_000;
/** The DAM posts once a day (about 13:30 the day before): an hour between polls is ample. */
const DAM_REFRESH_MS = 60 * 60_000;

/** The Central delivery date (YYYY-MM-DD) an instant falls on. */
export function ercotDeliveryDate(atMs: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ERCOT_TIME_ZONE }).format(new Date(atMs));
}

interface Cached {
  readonly key: string;
  readonly fetchedAtMs: number;
  readonly result: ErcotFeedResult;
}

/** The price feed over the Public API client: one query per report and delivery day, per settlement point. */
export class ErcotApiPriceFeed implements ErcotPriceFeed {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly deps: { readonly client: ErcotPublicApiClient; readonly clock: Clock }) {}

  realTimePrices(atMs: number, nodes: readonly string[]): Promise<ErcotFeedResult> {
    return this.cached('rtm', atMs, nodes, RTM_REFRESH_MS, async (date, node) =>
      parseReportRows(
        RTM_SPP_ROWS,
        await this.deps.client.records(ERCOT_REPORT_PATHS.rtmSpp, {
          deliveryDateFrom: date,
          deliveryDateTo: date,
          settlementPoint: node,
        }),
      ),
    );
  }

  dayAheadPrices(atMs: number, nodes: readonly string[]): Promise<ErcotFeedResult> {
    return this.cached('dam', atMs, nodes, DAM_REFRESH_MS, async (date, node) =>
      parseReportRows(
        DAM_SPP_ROWS,
        await this.deps.client.records(ERCOT_REPORT_PATHS.damSpp, {
          deliveryDateFrom: date,
          deliveryDateTo: date,
          settlementPoint: node,
        }),
      ),
    );
  }

  private async cached(
    kind: string,
    atMs: number,
    nodes: readonly string[],
    refreshMs: number,
    fetchNode: (date: string, node: string) => Promise<{ prices: ErcotIntervalPrice[]; rejected: RejectedRow[] }>,
  ): Promise<ErcotFeedResult> {
    const date = ercotDeliveryDate(atMs);
    const key = `${date}|${nodes.join(',')}`;
    const nowMs = this.deps.clock.nowMs();
    const held = this.cache.get(kind);
    // A reused answer's rejected rows were counted when it was fetched.
    if (held && held.key === key && nowMs - held.fetchedAtMs < refreshMs) return { ...held.result, rejected: [] };
    const prices: ErcotIntervalPrice[] = [];
    const rejected: RejectedRow[] = [];
    // One node at a time: the client's rate limit spaces them; in parallel they would only queue there.
    for (const node of nodes) {
      const part = await fetchNode(date, node);
      prices.push(...part.prices);
      rejected.push(...part.rejected);
    }
    const result = { name: `${kind} ${date}`, prices: newestPublicationWins(prices), rejected };
    this.cache.set(kind, { key, fetchedAtMs: nowMs, result });
    return result;
  }
}
