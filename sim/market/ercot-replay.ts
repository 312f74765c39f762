import type { Fleet } from '../../core/model/site.js';
import { systemClock } from '../../core/support/clock.js';
import { ErcotApiPriceFeed } from '../../functions/market/adapters/ercot-api-feed.js';
import { ErcotPublicApiClient } from '../../functions/market/adapters/ercot-public-api.js';
import { ErcotRtmMarketSource, type MarketDataQuality } from '../../functions/market/adapters/ercot-source.js';
import { WeeklySyntheticMarketSource } from '../../functions/market/adapters/weekly-synthetic-source.js';
import { MarketFeed } from '../platform/market-feed.js';
import { loadCalibration } from '../synthetic/calibration-file.js';
import { FIXTURE_CREDENTIALS, startErcotFixtureServer } from './ercot-fixture-server.js';

/** The replayed delivery day: the normal fixture day, with its corrected interval, malformed row and gap. */
const REPLAY_DAY = { fromMs: Date.parse('2026-11-28T06:00:00Z'), toMs: Date.parse('2026-11-29T06:00:00Z') };

/**
 * `npm start -- --market ercot-replay`: the rebuilt ERCOT fixtures (sim/data/ercot-api) served over HTTP as ERCOT's
 * Public API, read by the real client, feed and source the ingestion Lambda uses; hashprice and the GPU value from
 * the synthetic generator. The fixture server is local, so the client's 2 s request spacing (ERCOT's limit) is off.
 */
export async function openErcotReplay(
  fleet: Fleet,
  seed: number,
  quality: MarketDataQuality,
): Promise<{ feed: MarketFeed; stop: () => Promise<void> }> {
  const server = await startErcotFixtureServer();
  const client = new ErcotPublicApiClient({
    credentials: { credentials: async () => FIXTURE_CREDENTIALS },
    clock: systemClock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    random: Math.random,
    baseUrl: server.baseUrl,
    tokenUrl: server.tokenUrl,
    minRequestSpacingMs: 0,
  });
  const source = new ErcotRtmMarketSource({
    feed: new ErcotApiPriceFeed({ client, clock: systemClock }),
    nodes: [...new Set(fleet.sites.map((site) => site.marketNode))],
    nonPrice: new WeeklySyntheticMarketSource({ calibration: loadCalibration(), fleet, seed }),
    quality,
  });
  // The first interval's price is known once it has ended: the replay starts there.
  const feed = new MarketFeed(
    source,
    REPLAY_DAY.fromMs + 15 * 60_000,
    REPLAY_DAY.toMs + 15 * 60_000,
    'ERCOT API replay of 2026-11-28 (rebuilt fixtures)',
  );
  return { feed, stop: () => server.stop() };
}
