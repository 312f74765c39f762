import { fitRidgeForecaster } from '../../../core/forecast/ridge.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import { fixedClock } from '../../../core/support/clock.js';
import { ingestMarketSnapshot } from '../../../functions/market/ingest.js';
import { historyView, marketOutlook, refitNode } from '../../../functions/optimizer/outlook.js';
import { DynamoForecastFitStore } from '../../../functions/shared/data/forecast-fit-store.js';
import {
  DynamoMarketHistoryStore,
  MARKET_HISTORY_RETENTION_DAYS,
} from '../../../functions/shared/data/market-history-store.js';
import { TABLE_KEYS } from '../../../functions/shared/data/table-design.js';
import { type LocalTable, startLocalTable } from '../../support/local-table.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';

/** The deployed planner's market history and forecast fits on DynamoDB Local, filled by the ingestion use case. */

const TABLE = 'hcp-market-history-test';
let table: LocalTable;

beforeAll(async () => {
  table = await startLocalTable(TABLE);
});

afterAll(async () => {
  await table?.stop();
});

const STEP_MS = 15 * 60_000;
const START = Date.parse('2026-11-01T06:00:00Z');
/** A daily price shape with a seeded wobble: enough structure for the ridge to fit. */
const priceAt = (i: number) => 30 + 15 * Math.sin((2 * Math.PI * i) / 96) + ((i * 7919) % 13);

const snapshotAt = (i: number): MarketSnapshot => ({
  ...marketSnapshotAt(START + i * STEP_MS, {}),
  prices: [{ node: 'HB_WEST', realTimeUsdPerMwh: priceAt(i), dayAheadUsdPerMwh: 30 }],
});

describe('the market history and forecast fit stores on DynamoDB', () => {
  it('is filled by ingestion, kept with a TTL, and read back as a known-at view that hides unpublished prices', async () => {
    // Prepare
    const history = new DynamoMarketHistoryStore({ client: table.client, tableName: TABLE });
    const stored: MarketSnapshot[] = [];
    const intervals = 8;

    // Act: eight ingestion runs, one per interval, each 1 minute into its interval.
    for (let i = 0; i < intervals; i += 1) {
      await ingestMarketSnapshot({
        source: { name: 'test', snapshotAt: async () => snapshotAt(i) },
        store: { put: async (s) => void stored.push(s), latest: async () => stored.at(-1) },
        history,
        signals: { publish: async () => {} },
        metrics: { snapshotIngested: () => {}, marketDataAge: () => {} },
        clock: fixedClock(START + i * STEP_MS + 60_000),
      });
    }
    const nowMs = START + (intervals - 1) * STEP_MS + 60_000;
    const view = await historyView(history, 'HB_WEST', snapshotAt(intervals - 1), nowMs, {
      stepMinutes: 15,
      publication: { rtPublicationDelayMinutes: 5, dayAheadPublishedMinuteOfDay: 810, timeZone: 'America/Chicago' },
      historyDays: 37,
      maxDataAgeMinutes: 120,
      maxFitAgeHours: 12,
      minSeasonalHistoryHours: 24,
    });
    const points = await history.read('HB_WEST', START, START + intervals * STEP_MS);
    const raw = await table.client.send(
      new (await import('@aws-sdk/lib-dynamodb')).GetCommand({
        TableName: TABLE,
        Key: {
          [TABLE_KEYS.partitionKey]: 'MARKETHIST#HB_WEST',
          [TABLE_KEYS.sortKey]: `AT#${new Date(START).toISOString()}`,
        },
      }),
    );

    // Assess: every interval stored; the view holds only the prices published by now (the interval in progress and
    // the one that ended a minute ago are not).
    expect(points.map((p) => p.rtUsdPerMwh)).toEqual(Array.from({ length: intervals }, (_, i) => priceAt(i)));
    expect(view?.rtUsdPerMwh).toEqual(Array.from({ length: intervals - 2 }, (_, i) => priceAt(i)));
    expect(raw.Item?.[TABLE_KEYS.ttlAttribute]).toBe(START / 1000 + MARKET_HISTORY_RETENTION_DAYS * 86_400);
  });

  it('stores a refit with its fit window, and a dispatch forecasts with it as ridge', async () => {
    // Prepare: five days of history (the ridge needs three), appended in one go.
    const history = new DynamoMarketHistoryStore({ client: table.client, tableName: TABLE });
    const fits = new DynamoForecastFitStore({ client: table.client, tableName: TABLE });
    const days = 5;
    const n = days * 96;
    await history.append(
      'HB_SOUTH',
      Array.from({ length: n }, (_, i) => ({ intervalStartMs: START + i * STEP_MS, rtUsdPerMwh: priceAt(i) })),
    );
    const nowMs = START + n * STEP_MS + 5 * 60_000;
    const market = { ...snapshotAt(n), prices: [{ node: 'HB_SOUTH', realTimeUsdPerMwh: priceAt(n) }] };

    // Act
    const stored = await refitNode({ history, fits }, 'HB_SOUTH', market, nowMs);
    const outlook = await marketOutlook({ history, fits }, 'HB_SOUTH', market, nowMs + STEP_MS);
    const readBack = await fits.latest('HB_SOUTH');

    // Assess: the stored coefficients are the fit the forecaster makes from the same view, and the plan will say so.
    const view = (await historyView(history, 'HB_SOUTH', market, nowMs, {
      stepMinutes: 15,
      publication: { rtPublicationDelayMinutes: 5, dayAheadPublishedMinuteOfDay: 810, timeZone: 'America/Chicago' },
      historyDays: 37,
      maxDataAgeMinutes: 120,
      maxFitAgeHours: 12,
      minSeasonalHistoryHours: 24,
    }))!;
    expect(stored).toBeDefined();
    expect(readBack).toEqual(stored);
    expect(readBack!.fit).toEqual(JSON.parse(JSON.stringify(fitRidgeForecaster(view))));
    expect(outlook.forecast).toMatchObject({
      forecaster: 'ridge',
      fitWindow: {
        from: new Date(stored!.fit.fitFromMs).toISOString(),
        to: new Date(stored!.fit.refitAtMs).toISOString(),
      },
      fittedAt: new Date(nowMs).toISOString(),
    });
    expect(outlook.forecast.fallbackReason).toBeUndefined();
  });
});
