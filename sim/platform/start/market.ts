import type { Site } from '../../../core/model/site.js';
import { type MarketFeed, openMarketFeed } from '../market-feed.js';
import type { PlatformOptions } from '../options.js';
import { resumeAtMs, SimClock, saveClock } from '../sim-clock.js';
import type { Stops } from './stops.js';

/**
 * Step 1, the market: a synthetic scenario or the real files, and the simulated clock on it, starting at the
 * market's first instant (or where `--data` left off, where it is saved again on stop).
 */
export async function openMarket(
  options: PlatformOptions,
  sites: Site[],
  stops: Stops,
): Promise<{ feed: MarketFeed; clock: SimClock }> {
  const feed = await openMarketFeed(options, { sites });
  const clock = new SimClock(resumeAtMs(options.data) ?? feed.startMs, options.speed);
  const dir = options.data;
  if (dir) stops.push(async () => saveClock(dir, clock.nowMs()));
  return { feed, clock };
}
