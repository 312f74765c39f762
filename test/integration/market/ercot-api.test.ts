import { parseReportRows, type RejectedRow, RTM_SPP_ROWS } from '../../../core/market-ingest/ercot-api.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import { ManualClock } from '../../../core/support/clock.js';
import { ERCOT_REPORT_PATHS, ErcotApiPriceFeed } from '../../../functions/market/adapters/ercot-api-feed.js';
import { type ErcotApiError, ErcotPublicApiClient } from '../../../functions/market/adapters/ercot-public-api.js';
import { ErcotRtmMarketSource, type MarketDataQuality } from '../../../functions/market/adapters/ercot-source.js';
import { ingestMarketSnapshot } from '../../../functions/market/ingest.js';
import { DynamoMarketSnapshotStore } from '../../../functions/shared/data/market-snapshot-store.js';
import {
  type ErcotFixtureServer,
  FIXTURE_CREDENTIALS,
  startErcotFixtureServer,
} from '../../../sim/market/ercot-fixture-server.js';
import { fixedNonPriceSource } from '../../support/fixed-market-source.js';
import { type LocalTable, startLocalTable } from '../../support/local-table.js';

const TABLE = 'hcp-ercot-ingest-test';
const NODES = ['HB_NORTH', 'HB_SOUTH', 'HB_WEST'];
/** 14:50 CST on the normal fixture day: the corrected interval (14:30–14:45) has ended. */
const NOW_MS = Date.parse('2026-11-28T20:50:00Z');

let server: ErcotFixtureServer;
let table: LocalTable;

beforeAll(async () => {
  [server, table] = await Promise.all([startErcotFixtureServer(), startLocalTable(TABLE)]);
});

afterAll(async () => {
  await Promise.all([server?.stop(), table?.stop()]);
});

beforeEach(() => {
  server.requests.length = 0;
});

/** The real client on the fixture server; sleeps move a manual clock and are recorded, never waited. */
function harness(options: { pageSize?: number; credentials?: typeof FIXTURE_CREDENTIALS } = {}) {
  const clock = new ManualClock(NOW_MS);
  const sleeps: number[] = [];
  const client = new ErcotPublicApiClient({
    credentials: { credentials: async () => options.credentials ?? FIXTURE_CREDENTIALS },
    clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advanceMs(ms);
    },
    random: () => 0.5,
    baseUrl: server.baseUrl,
    tokenUrl: server.tokenUrl,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  });
  return { clock, sleeps, client };
}

const nonPrice = fixedNonPriceSource;
const ignoreQuality: MarketDataQuality = { rowsRejected: () => {}, intervalsMissing: () => {} };

/** The ERCOT source the ingestion Lambda builds, on the harness's client, for the three hubs. */
const ercotSource = (client: ErcotPublicApiClient, clock: ManualClock, quality = ignoreQuality) =>
  new ErcotRtmMarketSource({ feed: new ErcotApiPriceFeed({ client, clock }), nodes: NODES, nonPrice, quality });

describe('ERCOT Public API client over HTTP (fixture server)', () => {
  it('signs in once, sends the key and the bearer token, and pages through a report', async () => {
    // Prepare
    const { client } = harness({ pageSize: 50 });

    // Act
    const rows = await client.records(ERCOT_REPORT_PATHS.rtmSpp, {
      deliveryDateFrom: '2026-11-28',
      deliveryDateTo: '2026-11-28',
      settlementPoint: 'HB_WEST',
    });
    await client.records(ERCOT_REPORT_PATHS.damSpp, { deliveryDateFrom: '2026-11-28', deliveryDateTo: '2026-11-28' });

    // Assess: 97 HB_WEST rows (96 + the correction) in pages of 50; one token for every request
    expect(rows).toHaveLength(97);
    expect(server.requests.filter((r) => r === 'token')).toHaveLength(1);
    expect(
      server.requests
        .filter((r) => r.includes('np6-905-cd'))
        .map((r) => new URL(r, 'http://x').searchParams.get('page')),
    ).toEqual(['1', '2']);
  });

  it('keeps to 30 requests a minute: one request every 2 seconds', async () => {
    // Prepare
    const { client, sleeps } = harness({ pageSize: 20 });

    // Act: 97 rows in pages of 20 = 5 requests, after the token request
    await client.records(ERCOT_REPORT_PATHS.rtmSpp, { deliveryDateFrom: '2026-11-28', settlementPoint: 'HB_WEST' });

    // Assess: each request after the first waited its 2 s turn
    expect(sleeps).toEqual([2000, 2000, 2000, 2000, 2000]);
  });

  it('rides out an outage: 503s, then recovery, honouring Retry-After and backing off with jitter', async () => {
    // Prepare
    const { client, sleeps } = harness();
    server.failNext(1, 503, 7);
    server.failNext(2, 503);

    // Act
    const rows = await client.records(ERCOT_REPORT_PATHS.damSpp, { deliveryDateFrom: '2026-11-28' });

    // Assess: the 2 s turn after the sign-in; Retry-After 7 s; then 1 s·2^1 and 1 s·2^2 with equal jitter at 0.5
    // (¾ of each); the 1.5 s backoff is topped up to the 2 s turn with 0.5 s
    expect(rows.length).toBeGreaterThan(0);
    expect(sleeps).toEqual([2000, 7000, 1500, 500, 3000]);
  });

  it('retries a throttled request (429) and gives up after its attempts with the status', async () => {
    // Prepare
    const { client } = harness();
    server.failNext(5, 429, 1);

    // Act / Assess
    await expect(client.records(ERCOT_REPORT_PATHS.damSpp, {})).rejects.toMatchObject({
      name: 'ErcotApiError',
      status: 429,
    } satisfies Partial<ErcotApiError>);
  });

  it('fails fast on refused credentials, without retrying the sign-in', async () => {
    // Prepare
    const { client } = harness({ credentials: { ...FIXTURE_CREDENTIALS, password: 'wrong' } });

    // Act / Assess
    await expect(client.records(ERCOT_REPORT_PATHS.damSpp, {})).rejects.toMatchObject({ status: 400 });
    expect(server.requests).toEqual(['token']);
  });

  it('parses what the server sent exactly as the fixture file holds it', async () => {
    // Act
    const rows = await harness().client.records(ERCOT_REPORT_PATHS.rtmSpp, {
      deliveryDateFrom: '2026-11-01',
      deliveryDateTo: '2026-11-01',
      settlementPoint: 'HB_WEST',
    });

    // Assess: the 25-hour day
    expect(parseReportRows(RTM_SPP_ROWS, rows).prices).toHaveLength(100);
  });
});

describe('ERCOT ingestion into the platform table (DynamoDB Local)', () => {
  it('stores the newest ended interval with the corrected price, rejects the malformed row and flags the gap', async () => {
    // Prepare
    const { client, clock } = harness();
    const store = new DynamoMarketSnapshotStore({ client: table.client, tableName: table.tableName });
    const rejected: RejectedRow[] = [];
    const missing: Array<{ intervalStartMs: number; key: string }> = [];
    const source = ercotSource(client, clock, {
      rowsRejected: (rows) => void rejected.push(...rows),
      intervalsMissing: (intervals) => void missing.push(...intervals),
    });
    const ages: number[] = [];

    // Act
    const result = await ingestMarketSnapshot({
      source,
      store,
      signals: { publish: async () => {} },
      metrics: { snapshotIngested: () => {}, marketDataAge: (age) => void ages.push(age) },
      clock,
    });

    // Assess
    expect(result).toMatchObject({ at: '2026-11-28T20:30:00.000Z', nodes: 3, stale: false });
    const stored = (await store.latest()) as MarketSnapshot;
    const west = stored.prices.find((p) => p.node === 'HB_WEST');
    expect(west?.realTimeUsdPerMwh).toBe(21.5);
    expect(west?.dayAheadUsdPerMwh).toEqual(expect.any(Number));
    expect(rejected).toEqual([
      { report: 'NP6-905-CD', row: expect.any(Number), reason: expect.stringMatching(/^settlementPointPrice: /) },
      { report: 'NP6-788-CD', row: expect.any(Number), reason: expect.stringMatching(/^LMP: /) },
    ]);
    expect(missing).toEqual([
      { intervalStartMs: Date.parse('2026-11-28T08:15:00Z'), key: 'HB_NORTH' },
      { intervalStartMs: Date.parse('2026-11-28T10:10:00Z'), key: 'HB_NORTH' },
      { intervalStartMs: Date.parse('2026-11-28T16:05:00Z'), key: 'HB_SOUTH' },
    ]);
    expect(ages).toHaveLength(1);
  });

  it('stores each node’s newest published SCED LMP and the real-time AS prices, each with its publication time', async () => {
    // Prepare
    const { client, clock } = harness();
    const store = new DynamoMarketSnapshotStore({ client: table.client, tableName: table.tableName });
    const source = ercotSource(client, clock);

    // Act
    await ingestMarketSnapshot({
      source,
      store,
      signals: { publish: async () => {} },
      metrics: { snapshotIngested: () => {}, marketDataAge: () => {} },
      clock,
    });

    // Assess: at 14:50 CST the 14:40 SCED run is the newest known (its 5 minutes ended at 14:45, posted by 14:50);
    // the 14:30–14:45 real-time AS interval is known, so the AS prices are the real-time ones
    const stored = (await store.latest()) as MarketSnapshot;
    expect(stored.prices.find((p) => p.node === 'HB_WEST')?.lmp).toEqual({
      lmpUsdPerMwh: expect.any(Number),
      intervalStartAt: '2026-11-28T20:40:00.000Z',
      publishedAt: '2026-11-28T20:50:00.000Z',
    });
    expect(stored.ancillary).toMatchObject({
      source: 'rt',
      intervalMinutes: 15,
      intervalStartAt: '2026-11-28T20:30:00.000Z',
      publishedAt: '2026-11-28T20:50:00.000Z',
    });
    expect(Object.keys(stored.ancillary?.ancillaryUsdPerMwH ?? {}).sort()).toEqual([
      'ecrs',
      'nspin',
      'regdn',
      'regup',
      'rrs',
    ]);
    expect(server.requests.some((r) => r.startsWith('/api/public-reports/np6-788-cd/'))).toBe(true);
  });

  it('polls each report on its schedule: SCED LMPs every 5 minutes, real-time AS prices every 15', async () => {
    // Prepare
    const { client, clock } = harness();
    const source = ercotSource(client, clock);
    const asked = (report: string) => server.requests.filter((r) => r.startsWith(`/api/public-reports/${report}/`));

    // Act: runs at 14:50, 14:53, 14:55 and 15:05 CST
    await source.snapshotAt(clock.nowMs());
    const first = { lmp: asked('np6-788-cd').length, rtAs: asked('np6-331-cd').length };
    clock.advanceMs(3 * 60_000);
    await source.snapshotAt(clock.nowMs());
    const at3 = { lmp: asked('np6-788-cd').length, rtAs: asked('np6-331-cd').length };
    clock.advanceMs(2 * 60_000);
    const at5 = await source.snapshotAt(clock.nowMs());
    const lmpAt5 = asked('np6-788-cd').length;
    clock.advanceMs(10 * 60_000);
    await source.snapshotAt(clock.nowMs());

    // Assess: one LMP query per hub, one AS query; reused within their periods
    expect(first).toEqual({ lmp: 3, rtAs: 1 });
    expect(at3).toEqual(first);
    expect(lmpAt5).toBe(6);
    expect(asked('np6-331-cd')).toHaveLength(2);
    expect(at5.prices.find((p) => p.node === 'HB_WEST')?.lmp?.intervalStartAt).toBe('2026-11-28T20:45:00.000Z');
  });

  it('falls back to the day-ahead AS prices of the hour when the real-time ones are not yet published', async () => {
    // Prepare: 14:48 CST; the 14:30 real-time AS interval posts at 14:50, so only the DAM's (posted the day before)
    const { client } = harness();
    const clock = new ManualClock(Date.parse('2026-11-28T20:48:00Z'));
    const source = ercotSource(client, clock);

    // Act
    const snapshot = await source.snapshotAt(clock.nowMs());

    // Assess
    expect(snapshot.ancillary).toMatchObject({
      source: 'dam',
      intervalMinutes: 60,
      intervalStartAt: '2026-11-28T20:00:00.000Z',
      publishedAt: '2026-11-27T19:30:00.000Z',
    });
  });

  it('keeps dispatch on the stored prices while ERCOT is down, and says so', async () => {
    // Prepare: a stored snapshot, then an outage longer than the client's attempts
    const { client, clock } = harness();
    const store = new DynamoMarketSnapshotStore({ client: table.client, tableName: table.tableName });
    const source = ercotSource(client, clock);
    const deps = {
      source,
      store,
      signals: { publish: async () => {} },
      metrics: { snapshotIngested: () => {}, marketDataAge: () => {} },
      clock,
    };
    await ingestMarketSnapshot(deps);
    clock.advanceMs(10 * 60_000);
    server.failNext(20, 503);

    // Act
    const result = await ingestMarketSnapshot(deps);

    // Assess
    expect(result).toMatchObject({ stale: true, at: '2026-11-28T20:30:00.000Z' });
    expect((await store.latest())?.at).toBe('2026-11-28T20:30:00.000Z');
  });
});
