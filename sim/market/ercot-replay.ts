import { ercotDayBoundsMs } from '../../core/market-ingest/ercot-api.js';
import type { ErcotDeliveryDate } from '../../core/market-ingest/ercot-rtm-spp.js';
import type { Fleet } from '../../core/model/site.js';
import { systemClock } from '../../core/support/clock.js';
import { ErcotApiPriceFeed } from '../../functions/market/adapters/ercot-api-feed.js';
import { ErcotPublicApiClient } from '../../functions/market/adapters/ercot-public-api.js';
import { ErcotRtmMarketSource, type MarketDataQuality } from '../../functions/market/adapters/ercot-source.js';
import { WeeklySyntheticMarketSource } from '../../functions/market/adapters/weekly-synthetic-source.js';
import { MarketFeed } from '../platform/market-feed.js';
import { loadCalibration } from '../synthetic/calibration-file.js';
import { FIXTURE_CREDENTIALS, startErcotFixtureServer } from './ercot-fixture-server.js';

/** A run of consecutive Central delivery days the fixtures hold (sim/data/ercot-api/README.md). */
export interface ErcotReplayDays {
  readonly first: ErcotDeliveryDate;
  readonly last: ErcotDeliveryDate;
  readonly description: string;
}

export const ERCOT_REPLAY_DAYS = {
  /** What `--market ercot-replay` plays: three days in a row across the 25-hour fall-back day. */
  fallBack: {
    first: { year: 2026, month: 10, day: 31 },
    last: { year: 2026, month: 11, day: 2 },
    description: '2026-10-31 to 2026-11-02, across the 25-hour day',
  },
  /** The normal day with a corrected interval, a malformed row and a gap in each price report. */
  anomalies: {
    first: { year: 2026, month: 11, day: 28 },
    last: { year: 2026, month: 11, day: 28 },
    description: '2026-11-28, with a correction, malformed rows and gaps',
  },
} as const satisfies Record<string, ErcotReplayDays>;

/**
 * `npm start -- --market ercot-replay`: the rebuilt ERCOT fixtures (sim/data/ercot-api) served over HTTP as ERCOT's
 * Public API, read by the real client, feed and source the ingestion Lambda uses; hashprice and the GPU value from
 * the synthetic generator. The fixture server is local, so the client's 2 s request spacing (ERCOT's limit) is off.
 */
export async function openErcotReplay(
  fleet: Fleet,
  seed: number,
  quality: MarketDataQuality,
  days: ErcotReplayDays = ERCOT_REPLAY_DAYS.fallBack,
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
  // One continuous range, the days' UTC bounds end to end (23, 24 or 25 hours each). The first interval's price is
  // known once it has ended: the replay starts there, and ends once the last interval has ended.
  const fromMs = ercotDayBoundsMs(days.first).fromMs;
  const toMs = ercotDayBoundsMs(days.last).toMs;
  const feed = new MarketFeed(
    source,
    fromMs + 15 * 60_000,
    toMs + 15 * 60_000,
    `ERCOT API replay of ${days.description} (rebuilt fixtures)`,
  );
  return { feed, stop: () => server.stop() };
}
