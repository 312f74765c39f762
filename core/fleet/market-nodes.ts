import { z } from 'zod';
import type { NodePrice } from '../model/market.js';

/**
 * ERCOT settlement points a site may price at: the trading hubs and the load zones (ERCOT Nodal Protocols 3.5 and
 * the settlement point list of the RT/DAM SPP reports, NP6-905-CD / NP4-190-CD). Resource nodes join this list when
 * the market feed supplies their prices; until then a site at a resource node is registered at its load zone.
 */
export const ERCOT_HUBS = [
  'HB_BUSAVG',
  'HB_HOUSTON',
  'HB_HUBAVG',
  'HB_NORTH',
  'HB_PAN',
  'HB_SOUTH',
  'HB_WEST',
] as const;
export const ERCOT_LOAD_ZONES = [
  'LZ_AEN',
  'LZ_CPS',
  'LZ_HOUSTON',
  'LZ_LCRA',
  'LZ_NORTH',
  'LZ_RAYBN',
  'LZ_SOUTH',
  'LZ_WEST',
] as const;
export const ERCOT_MARKET_NODES: readonly string[] = [...ERCOT_HUBS, ...ERCOT_LOAD_ZONES];

export const marketNodeSchema = z.string().refine((node) => ERCOT_MARKET_NODES.includes(node), {
  message: `unknown ERCOT settlement point: one of ${ERCOT_MARKET_NODES.join(', ')}`,
});

/**
 * Where a settlement point takes its price when the market feed has no series of its own (the synthetic scenarios
 * model three hubs; the shared real-time file is one): its region's hub. Load zones price at their zone's hub (ERCOT
 * defines each hub from its zone's buses); the NOIE zones at the hub of their region (Austin, San Antonio and the LCRA
 * in the South; Rayburn in the North-East); the Panhandle at the West hub; Houston at the South hub when the feed has
 * no Houston series. A stand-in, not a price: a site there plans on its region's price without the local basis.
 */
const PROXY_OF: Readonly<Record<string, string>> = {
  LZ_WEST: 'HB_WEST',
  LZ_NORTH: 'HB_NORTH',
  LZ_SOUTH: 'HB_SOUTH',
  LZ_HOUSTON: 'HB_HOUSTON',
  LZ_AEN: 'HB_SOUTH',
  LZ_CPS: 'HB_SOUTH',
  LZ_LCRA: 'HB_SOUTH',
  LZ_RAYBN: 'HB_NORTH',
  HB_PAN: 'HB_WEST',
  HB_HOUSTON: 'HB_SOUTH',
};
/** ERCOT's average hubs: the mean of the hubs the feed prices. */
const AVERAGE_HUBS: ReadonlySet<string> = new Set(['HB_BUSAVG', 'HB_HUBAVG']);

/** The price `node` takes from `priced`, following its proxies; undefined when none of them is priced. */
function proxyPrice(node: string, priced: ReadonlyMap<string, NodePrice>): NodePrice | undefined {
  if (AVERAGE_HUBS.has(node)) {
    const hubs = ERCOT_HUBS.filter((hub) => !AVERAGE_HUBS.has(hub) && priced.has(hub)).map((hub) => priced.get(hub)!);
    if (hubs.length === 0) return undefined;
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    const dayAhead = hubs.map((h) => h.dayAheadUsdPerMwh);
    return {
      node,
      realTimeUsdPerMwh: mean(hubs.map((h) => h.realTimeUsdPerMwh)),
      ...(dayAhead.every((p) => p !== undefined) ? { dayAheadUsdPerMwh: mean(dayAhead as number[]) } : {}),
    };
  }
  for (let proxy = PROXY_OF[node]; proxy; proxy = PROXY_OF[proxy]) {
    const price = priced.get(proxy);
    // The proxy's SCED LMP is its own bus's: not carried over.
    if (price) {
      const { lmp: _lmp, ...regional } = price;
      return { ...regional, node };
    }
  }
  return undefined;
}

/**
 * The feed's prices with every ERCOT settlement point it left out priced at its proxy (PROXY_OF), so a site
 * registered at any valid node has a price: the nodes the feed prices are kept as they are.
 */
export function withEveryMarketNode(prices: readonly NodePrice[]): NodePrice[] {
  const priced = new Map<string, NodePrice>(prices.map((p) => [p.node, p]));
  const filled = ERCOT_MARKET_NODES.filter((node) => !priced.has(node))
    .map((node) => proxyPrice(node, priced))
    .filter((p): p is NodePrice => p !== undefined);
  return [...prices, ...filled];
}
