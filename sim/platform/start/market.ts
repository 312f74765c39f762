import type { Site } from '../../../core/model/site.js';
import { openErcotReplay } from '../../market/ercot-replay.js';
import { type MarketFeed, openMarketFeed } from '../market-feed.js';
import type { PlatformOptions } from '../options.js';
import { resumeAtMs, SimClock, saveClock } from '../sim-clock.js';
import type { Stops } from './stops.js';

async function ercotReplay(options: PlatformOptions, sites: Site[], stops: Stops): Promise<MarketFeed> {
  const log = (what: string) => (items: readonly unknown[]) => {
    if (items.length > 0) console.warn(`ERCOT replay: ${items.length} ${what}`);
  };
  const { feed, stop } = await openErcotReplay({ sites }, options.seed, {
    rowsRejected: log('rows rejected'),
    intervalsMissing: log('intervals missing'),
  });
  stops.push(stop);
  return feed;
}

/**
 * Step 1, the market: a synthetic scenario or the real files, and the simulated clock on it, starting at the
 * market's first instant (or where `--data` left off, where it is saved again on stop).
 */
export async function openMarket(
  options: PlatformOptions,
  sites: Site[],
  stops: Stops,
): Promise<{ feed: MarketFeed; clock: SimClock }> {
  const feed =
    options.market === 'ercot-replay'
      ? await ercotReplay(options, sites, stops)
      : await openMarketFeed(options, { sites });
  const clock = new SimClock(resumeAtMs(options.data) ?? feed.startMs, options.speed);
  const dir = options.data;
  if (dir) stops.push(async () => saveClock(dir, clock.nowMs()));
  return { feed, clock };
}
