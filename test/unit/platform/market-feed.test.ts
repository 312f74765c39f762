import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { weekAlignedShiftMs } from '../../../functions/market/adapters/csv-series.js';
import type { MarketDataSource } from '../../../functions/market/ports.js';
import { readSystemLoadFile, SYSTEM_LOAD_FILE } from '../../../sim/data/market-files.js';
import { MarketFeed, openMarketFeed } from '../../../sim/platform/market-feed.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';

const START_MS = Date.parse('2025-01-13T06:00:00Z');
const HOUR_MS = 3_600_000;

/** A flat market: 20 $/MWh at both nodes, the snapshot stamped with the instant asked for. */
const flat: MarketDataSource = {
  name: 'flat',
  snapshotAt: async (atMs) => marketSnapshotAt(atMs, { HB_WEST: 20, HB_SOUTH: 20 }),
};

const priceAt = async (feed: MarketFeed, atMs: number, node: string) =>
  (await feed.snapshotAt(atMs)).prices.find((p) => p.node === node)!.realTimeUsdPerMwh;

describe('MarketFeed', () => {
  it('applies an injected price only inside its window and only at its nodes', async () => {
    // Prepare
    const feed = new MarketFeed(flat, START_MS, START_MS + 24 * HOUR_MS, 'flat');
    // Act
    feed.addOverride({
      fromMs: START_MS + HOUR_MS,
      untilMs: START_MS + 2 * HOUR_MS,
      priceUsdPerMwh: 3000,
      nodes: ['HB_WEST'],
    });
    // Assess
    expect(await priceAt(feed, START_MS + HOUR_MS - 1, 'HB_WEST')).toBe(20);
    expect(await priceAt(feed, START_MS + HOUR_MS, 'HB_WEST')).toBe(3000);
    expect(await priceAt(feed, START_MS + HOUR_MS, 'HB_SOUTH')).toBe(20);
    expect(await priceAt(feed, START_MS + 2 * HOUR_MS, 'HB_WEST')).toBe(20);
  });

  it('lets the latest of overlapping overrides win', async () => {
    const feed = new MarketFeed(flat, START_MS, START_MS + 24 * HOUR_MS, 'flat');
    feed.addOverride({ fromMs: START_MS, untilMs: START_MS + 2 * HOUR_MS, priceUsdPerMwh: 500 });
    feed.addOverride({ fromMs: START_MS + HOUR_MS, untilMs: START_MS + 2 * HOUR_MS, priceUsdPerMwh: 900 });
    expect(await priceAt(feed, START_MS + 30 * 60_000, 'HB_SOUTH')).toBe(500);
    expect(await priceAt(feed, START_MS + 90 * 60_000, 'HB_SOUTH')).toBe(900);
  });

  it('holds the last interval past the end of its data instead of failing', async () => {
    const feed = new MarketFeed(flat, START_MS, START_MS + HOUR_MS, 'flat');
    const snapshot = await feed.snapshotAt(START_MS + 5 * HOUR_MS);
    expect(snapshot.at).toBe(new Date(START_MS + HOUR_MS - 1).toISOString());
    expect(feed.ended(START_MS + 5 * HOUR_MS)).toBe(true);
  });

  it('names the next change: the next interval boundary, or an override edge before it', () => {
    const feed = new MarketFeed(flat, START_MS, START_MS + 24 * HOUR_MS, 'flat');
    const at = START_MS + 60_000;
    expect(feed.nextChangeAfterMs(at, 15)).toBe(START_MS + 15 * 60_000);
    feed.addOverride({ fromMs: at, untilMs: START_MS + 5 * 60_000, priceUsdPerMwh: 1000 });
    expect(feed.nextChangeAfterMs(at, 15)).toBe(START_MS + 5 * 60_000);
    expect(feed.activeOverrides(START_MS + 6 * 60_000)).toEqual([]);
  });

  it('prices a site at any ERCOT settlement point: the scenario’s hubs as generated, the others at their region’s hub', async () => {
    // Prepare: the reference fleet at start (three hubs); a site registered later at a load zone.
    const feed = await openMarketFeed({ seed: 42 }, referenceFleet);

    // Act
    const snapshot = await feed.snapshotAt(feed.startMs);
    const at = (node: string) => snapshot.prices.find((p) => p.node === node)?.realTimeUsdPerMwh;

    // Assess
    expect(at('LZ_WEST')).toBe(at('HB_WEST'));
    expect(at('LZ_CPS')).toBe(at('HB_SOUTH'));
    expect(at('HB_PAN')).toBe(at('HB_WEST'));
    expect(snapshot.prices).toHaveLength(15);
  });

  it('opens the default scenario on its own start and range', async () => {
    // Act
    const feed = await openMarketFeed({ seed: 7 }, { sites: referenceFleet.sites.slice(0, 2) });
    // Assess
    expect(new Date(feed.startMs).toISOString()).toBe('2025-01-13T06:00:00.000Z');
    expect(feed.endMs - feed.startMs).toBe(7 * 24 * HOUR_MS);
    expect(feed.description).toBe(
      'scenario baseline-week; DAM AS prices as recorded, ERCOT system load moved 156 weeks later',
    );
    const snapshot = await feed.snapshotAt(feed.startMs);
    expect(snapshot.prices.map((p) => p.node)).toEqual(expect.arrayContaining(['HB_WEST', 'HB_SOUTH']));
  });

  it('publishes the shipped DAM capacity prices and system load beside the scenario, lined up with its clock', async () => {
    // Prepare: baseline-week starts 2025-01-13 00:00 CST, inside the capacity-price file; the load file (2021–22)
    // moves 156 weeks (1,092 days) later, so the 4CP outlook's 38 days before the start are there
    const feed = await openMarketFeed({ seed: 7 }, { sites: referenceFleet.sites.slice(0, 1) });
    const atMs = feed.startMs + 14 * HOUR_MS; // 14:00 CST: the next day's DAM has posted

    // Act
    const capacity = await feed.ancillaryPricesAt(atMs);
    const load = await feed.systemLoadAt(atMs);

    // Assess: the rest of today and all of tomorrow on the 15-minute grid; 38 days of load up to the hour published
    expect(capacity[0]!.intervalStartMs).toBe(atMs);
    expect(capacity).toHaveLength(10 * 4 + 24 * 4);
    expect(capacity.every((p) => p.asEcrsUsdPerMwh !== undefined && p.asRrsUsdPerMwh !== undefined)).toBe(true);
    expect(load).toHaveLength(38 * 24);
    expect(load.at(-1)!.intervalStartMs).toBe(atMs - 2 * HOUR_MS);
    const recorded = readSystemLoadFile(SYSTEM_LOAD_FILE);
    const i = (load.at(-1)!.intervalStartMs - 1092 * 24 * HOUR_MS - recorded.startMs) / HOUR_MS;
    expect(load.at(-1)!.systemLoadMw).toBe(recorded.values[i]);
  });
});

describe('weekAlignedShiftMs', () => {
  const DAY_MS = 24 * HOUR_MS;
  const range = { fromMs: Date.parse('2021-01-01T06:00:00Z'), toMs: Date.parse('2023-01-01T06:00:00Z') };

  it('leaves a file that covers the start as recorded, and moves one that does not by whole 52-week years', () => {
    expect(weekAlignedShiftMs(range, Date.parse('2022-07-20T19:00:00Z'), 38 * DAY_MS)).toBe(0);
    const shift = weekAlignedShiftMs(range, Date.parse('2025-07-14T05:00:00Z'), 38 * DAY_MS)!;
    expect(shift % (364 * DAY_MS)).toBe(0);
    expect(range.fromMs + shift).toBeLessThanOrEqual(Date.parse('2025-07-14T05:00:00Z') - 38 * DAY_MS);
    expect(range.toMs + shift).toBeGreaterThan(Date.parse('2025-07-14T05:00:00Z'));
  });

  it('says so when no whole-year move covers the start with its lead', () => {
    const short = { fromMs: range.fromMs, toMs: range.fromMs + 30 * DAY_MS };
    expect(weekAlignedShiftMs(short, range.fromMs + 400 * DAY_MS, 38 * DAY_MS)).toBeUndefined();
  });
});
