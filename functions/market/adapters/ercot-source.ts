import { latestPrices, parseRtmSettlementPointPrices } from '../../../core/market-ingest/ercot-rtm-spp.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import type { MarketDataSource } from '../ports.js';

/**
 * ERCOT's public real-time report NP6-905-CD (settlement point prices, one file per 15 minutes). The client fetches
 * the newest report's CSV (ERCOT's public API, `/np6-905-cd/spp_node_zone_hub`, with a subscription key kept in
 * Secrets Manager; or the MIS download). ERCOT publishes prices only, so hashprice and the GPU spot value come from
 * another source (the last stored snapshot, the synthetic generator).
 */
export interface ErcotReportClient {
  /** The newest NP6-905-CD report as CSV text, with a name for error messages. */
  latestRtmSpp(): Promise<{ name: string; csv: string }>;
}

export class ErcotRtmMarketSource implements MarketDataSource {
  readonly name = 'ercot';

  constructor(
    private readonly deps: {
      readonly reports: ErcotReportClient;
      /** Settlement points to keep (the fleet's market nodes). */
      readonly nodes: readonly string[];
      /** Supplies hashprice and GPU spot value, the fields ERCOT does not publish. */
      readonly nonPrice: MarketDataSource;
    },
  ) {}

  async snapshotAt(atMs: number): Promise<MarketSnapshot> {
    const report = await this.deps.reports.latestRtmSpp();
    const latest = latestPrices(parseRtmSettlementPointPrices(report.csv, report.name), this.deps.nodes);
    if (!latest) throw new RangeError(`${report.name} has none of ${this.deps.nodes.join(', ')}`);
    const missing = this.deps.nodes.filter((node) => !latest.byNode.has(node));
    if (missing.length > 0) throw new RangeError(`${report.name} lacks ${missing.join(', ')}`);
    const rest = await this.deps.nonPrice.snapshotAt(atMs);
    return {
      ...rest,
      at: new Date(latest.intervalStartMs).toISOString(),
      intervalMinutes: 15,
      prices: [...latest.byNode].map(([node, price]) => ({ node, realTimeUsdPerMwh: price })),
    };
  }
}
