import { ERCOT_MARKET_NODES, withEveryMarketNode } from '../../../core/fleet/market-nodes.js';
import type { NodePrice } from '../../../core/model/market.js';

const hubs: NodePrice[] = [
  { node: 'HB_WEST', realTimeUsdPerMwh: 10, dayAheadUsdPerMwh: 12 },
  { node: 'HB_SOUTH', realTimeUsdPerMwh: 30, dayAheadUsdPerMwh: 31 },
  { node: 'HB_NORTH', realTimeUsdPerMwh: 50, dayAheadUsdPerMwh: 47 },
];
const priceOf = (prices: readonly NodePrice[], node: string) => prices.find((p) => p.node === node);

describe('withEveryMarketNode', () => {
  it('prices every ERCOT settlement point from a feed of three hubs, keeping the hubs as they are', () => {
    // Act
    const prices = withEveryMarketNode(hubs);

    // Assess
    expect(prices.map((p) => p.node).sort()).toEqual([...ERCOT_MARKET_NODES].sort());
    expect(prices.slice(0, 3)).toEqual(hubs);
  });

  it.each([
    ['LZ_WEST', 10],
    ['HB_PAN', 10],
    ['LZ_NORTH', 50],
    ['LZ_RAYBN', 50],
    ['LZ_SOUTH', 30],
    ['LZ_AEN', 30],
    ['LZ_CPS', 30],
    ['LZ_LCRA', 30],
    ['HB_HOUSTON', 30],
    ['LZ_HOUSTON', 30],
  ])('prices %s at its region’s hub (%d $/MWh)', (node, expected) => {
    // Act
    const price = priceOf(withEveryMarketNode(hubs), node);

    // Assess
    expect(price?.realTimeUsdPerMwh).toBe(expected);
  });

  it('prices the average hubs at the mean of the hubs priced, day-ahead included', () => {
    // Act
    const prices = withEveryMarketNode(hubs);

    // Assess
    expect(priceOf(prices, 'HB_HUBAVG')).toEqual({ node: 'HB_HUBAVG', realTimeUsdPerMwh: 30, dayAheadUsdPerMwh: 30 });
    expect(priceOf(prices, 'HB_BUSAVG')?.realTimeUsdPerMwh).toBe(30);
  });

  it('takes a Houston series when the feed has one, and never carries a proxy’s own LMP over', () => {
    // Prepare
    const lmp = { lmpUsdPerMwh: 40, intervalStartAt: '2026-01-01T00:00:00Z', publishedAt: '2026-01-01T00:05:00Z' };
    const withHouston = [...hubs, { node: 'HB_HOUSTON', realTimeUsdPerMwh: 70, lmp }];

    // Act
    const prices = withEveryMarketNode(withHouston);

    // Assess
    expect(priceOf(prices, 'LZ_HOUSTON')).toEqual({ node: 'LZ_HOUSTON', realTimeUsdPerMwh: 70 });
  });

  it('leaves out a node none of whose proxies is priced', () => {
    // Act
    const prices = withEveryMarketNode([{ node: 'HB_NORTH', realTimeUsdPerMwh: 50 }]);

    // Assess
    expect(priceOf(prices, 'LZ_WEST')).toBeUndefined();
    expect(priceOf(prices, 'LZ_NORTH')?.realTimeUsdPerMwh).toBe(50);
  });
});
