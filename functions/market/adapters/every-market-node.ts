import { withEveryMarketNode } from '../../../core/fleet/market-nodes.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import type { MarketDataSource } from '../ports.js';

/**
 * A source that prices only some settlement points (the synthetic scenarios' three hubs, a CSV of one) made to price
 * every ERCOT settlement point: each one it leaves out takes its region's hub price (core/fleet/market-nodes.ts,
 * withEveryMarketNode), so a site registered at any valid node is planned on a price, not on none. Not for ERCOT's
 * own feed, which prices every node it is asked for; a gap there is a gap to report, not to fill.
 */
export function pricingEveryMarketNode(source: MarketDataSource): MarketDataSource {
  return {
    name: source.name,
    async snapshotAt(atMs: number): Promise<MarketSnapshot> {
      const snapshot = await source.snapshotAt(atMs);
      return { ...snapshot, prices: withEveryMarketNode(snapshot.prices) };
    },
    ...(source.publishedAt ? { publishedAt: source.publishedAt.bind(source) } : {}),
    ...(source.systemLoadAt ? { systemLoadAt: source.systemLoadAt.bind(source) } : {}),
    ...(source.ancillaryPricesAt ? { ancillaryPricesAt: source.ancillaryPricesAt.bind(source) } : {}),
  };
}
