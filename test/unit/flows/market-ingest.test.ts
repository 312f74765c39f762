import { readFileSync } from 'node:fs';
import path from 'node:path';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { MarketHistoryPoint } from '../../../core/market-data/history.js';
import { ERCOT_SHARED_PRICE_COLUMNS } from '../../../core/market-data/series.js';
import { latestPrices, parseRtmSettlementPointPrices } from '../../../core/market-ingest/ercot-rtm-spp.js';
import { gridSignalSchema } from '../../../core/messages/grid-signal.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import { marketSnapshotSchema } from '../../../core/model/market.js';
import { fixedClock } from '../../../core/support/clock.js';
import { scenarioSchema } from '../../../core/synthetic/scenario.js';
import { CsvMarketSource } from '../../../functions/market/adapters/csv-source.js';
import { type ErcotPriceFeed, ErcotRtmMarketSource } from '../../../functions/market/adapters/ercot-source.js';
import { pricingEveryMarketNode } from '../../../functions/market/adapters/every-market-node.js';
import { SyntheticMarketSource } from '../../../functions/market/adapters/synthetic-source.js';
import {
  WeeklySyntheticMarketSource,
  weekStartMs,
} from '../../../functions/market/adapters/weekly-synthetic-source.js';
import { ingestMarketSnapshot, STALE_RELAY_LIMIT_MS } from '../../../functions/market/ingest.js';
import type { MarketDataSource } from '../../../functions/market/ports.js';
import type { MarketSnapshotStore } from '../../../functions/shared/data/market-snapshot-store.js';
import { loadCalibration } from '../../../sim/synthetic/calibration-file.js';
import { fixedNonPriceSource } from '../../support/fixed-market-source.js';

const FIXTURES = path.join(process.cwd(), 'test', 'unit', 'flows', 'fixtures');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');

const nonPrice = fixedNonPriceSource;

/** A feed over one NP6-905-CD file as the MIS serves it (CSV), with no day-ahead prices. */
const csvFeed = (name: string): ErcotPriceFeed => ({
  realTimePrices: async () => ({
    name,
    prices: parseRtmSettlementPointPrices(fixture(name), name).map((p) => ({
      report: 'NP6-905-CD',
      intervalStartMs: p.intervalStartMs,
      intervalMinutes: 15,
      key: p.settlementPoint,
      priceUsdPerMwh: p.priceUsdPerMwh,
      publishedAtMs: p.intervalStartMs + 20 * 60_000,
    })),
    rejected: [],
  }),
  dayAheadPrices: async () => ({ name: 'none', prices: [], rejected: [] }),
});

describe('ERCOT NP6-905-CD real-time settlement point prices', () => {
  it('parses a report in the NP6-905-CD layout into interval-start instants in UTC', () => {
    // Act
    const prices = parseRtmSettlementPointPrices(fixture('np6-905-cd_rtm_spp_20261128_1430.csv'), 'rtm-spp');

    // Assess: hour ending 15, interval 3 is 14:30 Central standard time, 20:30 UTC.
    expect(prices).toHaveLength(13);
    expect(prices.find((p) => p.settlementPoint === 'HB_WEST')).toEqual({
      intervalStartMs: Date.parse('2026-11-28T20:30:00Z'),
      settlementPoint: 'HB_WEST',
      type: 'HU',
      priceUsdPerMwh: 18.73,
    });
    expect(prices.find((p) => p.settlementPoint === 'HB_PAN')?.priceUsdPerMwh).toBe(-4.12);
  });

  it('keeps the two occurrences of the repeated fall-back hour an hour apart', () => {
    // Act
    const [first, repeated] = parseRtmSettlementPointPrices(
      fixture('np6-905-cd_rtm_spp_20261101_fallback.csv'),
      'fallback',
    );

    // Assess: 01:45 CDT (06:45 UTC) and 01:00 CST (07:00 UTC).
    expect(new Date(first!.intervalStartMs).toISOString()).toBe('2026-11-01T06:45:00.000Z');
    expect(new Date(repeated!.intervalStartMs).toISOString()).toBe('2026-11-01T07:00:00.000Z');
  });

  it('names the line and column of a malformed row', () => {
    // Prepare
    const broken = fixture('np6-905-cd_rtm_spp_20261128_1430.csv').replace('"18.73"', '"n/a"');

    // Act / Assess
    expect(() => parseRtmSettlementPointPrices(broken, 'rtm-spp')).toThrow(
      /rtm-spp: line 8, column "SettlementPointPrice"/,
    );
  });

  it('picks the newest interval of the wanted settlement points', () => {
    // Act
    const latest = latestPrices(parseRtmSettlementPointPrices(fixture('np6-905-cd_rtm_spp_20261128_1430.csv'), 'x'), [
      'HB_WEST',
      'HB_SOUTH',
    ]);

    // Assess
    expect([...(latest?.byNode ?? [])]).toEqual([
      ['HB_SOUTH', 25.02],
      ['HB_WEST', 18.73],
    ]);
  });

  it('builds a valid snapshot from the report and the non-price source', async () => {
    // Prepare
    const source = new ErcotRtmMarketSource({
      feed: csvFeed('np6-905-cd_rtm_spp_20261128_1430.csv'),
      quality: { rowsRejected: () => {}, intervalsMissing: () => {} },
      nodes: ['HB_WEST', 'HB_SOUTH', 'HB_NORTH'],
      nonPrice,
    });

    // Act
    const snapshot = await source.snapshotAt(Date.parse('2026-11-28T20:46:00Z'));

    // Assess
    expect(marketSnapshotSchema.safeParse(snapshot).success).toBe(true);
    expect(snapshot.at).toBe('2026-11-28T20:30:00.000Z');
    expect(snapshot.prices).toHaveLength(3);
    expect(snapshot.hashprice.hashpriceUsdPerThDay).toBe(0.05);
  });

  it('refuses a report that lacks a wanted settlement point', async () => {
    // Prepare
    const source = new ErcotRtmMarketSource({
      feed: csvFeed('np6-905-cd_rtm_spp_20261128_1430.csv'),
      quality: { rowsRejected: () => {}, intervalsMissing: () => {} },
      nodes: ['HB_WEST', 'HB_NOWHERE'],
      nonPrice,
    });

    // Act / Assess
    await expect(source.snapshotAt(Date.parse('2026-11-28T20:46:00Z'))).rejects.toThrow(/lacks HB_NOWHERE/);
  });
});

describe('CSV market source', () => {
  it('replays the interval containing the instant, with that day’s hashprice', async () => {
    // Prepare
    const files: Record<string, string> = { 'west.csv': fixture('hb_west_rt.csv'), 'hp.csv': fixture('hashprice.csv') };
    const source = new CsvMarketSource({
      reader: { readText: async (key) => files[key]! },
      priceKeys: { HB_WEST: 'west.csv' },
      priceColumns: ERCOT_SHARED_PRICE_COLUMNS,
      hashpriceKey: 'hp.csv',
      gpuSpotUsdPerGpuHour: 2,
    });

    // Act: 06:40 Central on 2025-01-10 is 12:40 UTC, inside the 06:30 interval.
    const snapshot = await source.snapshotAt(Date.parse('2025-01-10T12:40:00Z'));

    // Assess
    expect(marketSnapshotSchema.safeParse(snapshot).success).toBe(true);
    expect(snapshot).toMatchObject({
      at: '2025-01-10T12:30:00.000Z',
      prices: [{ node: 'HB_WEST', realTimeUsdPerMwh: 112 }],
      hashprice: { hashpriceUsdPerThDay: 0.0563, feesBtcPerDay: 0 },
    });
  });
});

describe('market ingestion', () => {
  it('stores the snapshot in force now, relays each node’s price and reports it', async () => {
    // Prepare
    const stored: MarketSnapshot[] = [];
    const store: MarketSnapshotStore = { put: async (s) => void stored.push(s), latest: async () => stored.at(-1) };
    const ingested: string[] = [];
    const signals: unknown[] = [];

    // Act
    const result = await ingestMarketSnapshot({
      source: nonPrice,
      store,
      signals: { publish: async (signal) => void signals.push(signal) },
      metrics: { snapshotIngested: (_s, name) => void ingested.push(name), marketDataAge: () => {} },
      clock: fixedClock(Date.parse('2026-11-28T12:00:00Z')),
    });

    // Assess
    expect(result).toEqual({ at: '2026-11-28T12:00:00.000Z', source: 'fixed', nodes: 1, stale: false });
    expect(stored).toHaveLength(1);
    expect(ingested).toEqual(['fixed']);
    // Each node's price goes to its gateways, stamped now: it also feeds their cloud watchdog.
    expect(signals).toEqual([{ kind: 'price', at: '2026-11-28T12:00:00.000Z', node: 'HB_WEST', priceUsdPerMwh: 0 }]);
    expect(gridSignalSchema.safeParse(signals[0]).success).toBe(true);
  });
});

describe('market ingestion while the source is down', () => {
  const down: MarketDataSource = {
    name: 'ercot',
    snapshotAt: async () => {
      throw new Error('ERCOT API 503');
    },
  };
  const run = async (nowIso: string) => {
    const held = await nonPrice.snapshotAt(Date.parse('2026-11-28T12:00:00Z'));
    const ages: number[] = [];
    const signals: unknown[] = [];
    const result = ingestMarketSnapshot({
      source: down,
      store: { put: async () => {}, latest: async () => held },
      signals: { publish: async (signal) => void signals.push(signal) },
      metrics: { snapshotIngested: () => {}, marketDataAge: (age) => void ages.push(age) },
      clock: fixedClock(Date.parse(nowIso)),
    });
    return { result, ages, signals };
  };

  it('relays the stored prices, marked stale, and reports their age for the alarm', async () => {
    // Act: the held interval 12:00–12:15 ended 30 minutes ago
    const { result, ages, signals } = await run('2026-11-28T12:45:00Z');

    // Assess
    await expect(result).resolves.toMatchObject({ stale: true, at: '2026-11-28T12:00:00.000Z' });
    expect(ages).toEqual([1800]);
    expect(signals).toHaveLength(1);
  });

  it('stops relaying past the limit, so the gateways’ watchdog takes over', async () => {
    // Act
    const { result, ages, signals } = await run(
      new Date(Date.parse('2026-11-28T12:15:00Z') + STALE_RELAY_LIMIT_MS + 1000).toISOString(),
    );

    // Assess
    await expect(result).rejects.toThrow('ERCOT API 503');
    expect(ages).toEqual([STALE_RELAY_LIMIT_MS / 1000 + 1]);
    expect(signals).toEqual([]);
  });
});

describe('synthetic market source', () => {
  const options = () => ({
    calibration: loadCalibration(),
    scenario: scenarioSchema.parse({
      name: 'ingest-test',
      description: 'two days',
      start: '2026-01-05T06:00:00Z',
      days: 2,
    }),
    fleet: referenceFleet,
    seed: 11,
  });

  it('gives the same snapshot for the same seed and instant, whatever was asked before', async () => {
    // Prepare
    const walked = new SyntheticMarketSource(options());
    const direct = new SyntheticMarketSource(options());
    const atMs = Date.parse('2026-01-06T12:07:00Z');

    // Act
    await walked.snapshotAt(Date.parse('2026-01-06T20:00:00Z'));
    const [a, b] = [await walked.snapshotAt(atMs), await direct.snapshotAt(atMs)];

    // Assess
    expect(a).toEqual(b);
    expect(a.at).toBe('2026-01-06T12:00:00Z');
    expect(marketSnapshotSchema.safeParse(a).success).toBe(true);
  });

  it('refuses an instant outside the scenario', async () => {
    // Prepare
    const source = new SyntheticMarketSource(options());

    // Act / Assess
    await expect(source.snapshotAt(Date.parse('2026-01-01T00:00:00Z'))).rejects.toThrow(/starts at/);
    await expect(source.snapshotAt(Date.parse('2026-01-09T00:00:00Z'))).rejects.toThrow(/ends before/);
  });
});

describe('weekly synthetic market source', () => {
  it('starts each week on Monday 00:00 UTC', () => {
    // Act / Assess: 2026-11-28 is a Saturday.
    expect(new Date(weekStartMs(Date.parse('2026-11-28T16:00:00Z'))).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(new Date(weekStartMs(Date.parse('2026-11-23T00:00:00Z'))).toISOString()).toBe('2026-11-23T00:00:00.000Z');
  });

  it('answers any instant of any week, reproducibly', async () => {
    // Prepare
    const options = { calibration: loadCalibration(), fleet: referenceFleet, seed: 5 };
    const atMs = Date.parse('2026-11-24T08:20:00Z');

    // Act
    const [a, b] = [
      await new WeeklySyntheticMarketSource(options).snapshotAt(atMs),
      await new WeeklySyntheticMarketSource(options).snapshotAt(atMs),
    ];

    // Assess
    expect(a).toEqual(b);
    expect(a.at).toBe('2026-11-24T08:15:00Z');
    expect(marketSnapshotSchema.safeParse(a).success).toBe(true);
  });

  it('is ingested with a price at every ERCOT settlement point: the generator’s hubs, the others at their hub', async () => {
    // Prepare: as the ingestion Lambda builds it (functions/market/runtime.ts), for a fleet with a site at a load zone.
    const source = pricingEveryMarketNode(
      new WeeklySyntheticMarketSource({ calibration: loadCalibration(), fleet: referenceFleet, seed: 5 }),
    );
    const stored: MarketSnapshot[] = [];
    const signals: Array<{ node?: string; priceUsdPerMwh?: number }> = [];

    // Act
    await ingestMarketSnapshot({
      source,
      store: { put: async (s) => void stored.push(s), latest: async () => stored.at(-1) },
      signals: { publish: async (signal) => void signals.push(signal as (typeof signals)[number]) },
      metrics: { snapshotIngested: () => {}, marketDataAge: () => {} },
      clock: fixedClock(Date.parse('2026-11-24T08:20:00Z')),
    });

    // Assess
    const price = (node: string) => stored[0]!.prices.find((p) => p.node === node)?.realTimeUsdPerMwh;
    expect(stored[0]!.prices).toHaveLength(15);
    expect(price('LZ_WEST')).toBe(price('HB_WEST'));
    expect(price('LZ_LCRA')).toBe(price('HB_SOUTH'));
    expect(signals.find((s) => s.node === 'LZ_WEST')?.priceUsdPerMwh).toBe(price('HB_WEST'));
  });

  it('keeps the wrapped source’s system load (the 4CP forecaster’s input) and publication times', async () => {
    // Prepare: a CSV-like source with system load, wrapped as functions/market/runtime.ts wraps it.
    const point = { atMs: 0, node: 'ERCOT', systemLoadMw: 70_000 } as unknown as MarketHistoryPoint;
    const inner: MarketDataSource = {
      name: 'csv',
      snapshotAt: async () => {
        throw new Error('not read here');
      },
      publishedAt: async () => [point],
      systemLoadAt: async () => [point],
    };
    // Act
    const wrapped = pricingEveryMarketNode(inner);
    // Assess
    expect(await wrapped.systemLoadAt?.(0)).toEqual([point]);
    expect(await wrapped.publishedAt?.(0, 'HB_WEST')).toEqual([point]);
  });
});
