import type { MarketSnapshot } from '../../../core/model/market.js';
import type { Fleet } from '../../../core/model/site.js';
import type { Calibration } from '../../../core/synthetic/calibration.js';
import { scenarioSchema } from '../../../core/synthetic/scenario.js';
import type { MarketDataSource } from '../ports.js';
import { SyntheticMarketSource } from './synthetic-source.js';

const WEEK_MS = 7 * 24 * 3_600_000;
/** 1970-01-01 was a Thursday: weeks counted from the Monday before it start on Mondays 00:00 UTC. */
const FIRST_MONDAY_MS = -3 * 24 * 3_600_000;

/** Monday 00:00 UTC of the week containing `atMs`. */
export function weekStartMs(atMs: number): number {
  return FIRST_MONDAY_MS + Math.floor((atMs - FIRST_MONDAY_MS) / WEEK_MS) * WEEK_MS;
}

/**
 * The synthetic market for a deployment that runs on without end: each calendar week is a fresh seven-day scenario
 * seeded by `seed` and the week, so a running stack always has a market and any instant's snapshot is reproducible.
 */
export class WeeklySyntheticMarketSource implements MarketDataSource {
  readonly name = 'synthetic';
  private week: { startMs: number; source: SyntheticMarketSource } | undefined;

  constructor(private readonly options: { calibration: Calibration; fleet: Fleet; seed: number }) {}

  snapshotAt(atMs: number): Promise<MarketSnapshot> {
    const startMs = weekStartMs(atMs);
    if (this.week?.startMs !== startMs) {
      const scenario = scenarioSchema.parse({
        name: 'deployment-week',
        description: 'the synthetic market of one calendar week, for a deployment without a market feed',
        start: new Date(startMs).toISOString(),
        days: 7,
      });
      const seed = (this.options.seed + Math.round(startMs / WEEK_MS)) >>> 0;
      this.week = { startMs, source: new SyntheticMarketSource({ ...this.options, scenario, seed }) };
    }
    return this.week.source.snapshotAt(atMs);
  }
}
