import { connectAsync, type MqttClient } from 'mqtt';
import {
  ANCILLARY_HISTORY_FIELDS,
  ANCILLARY_HISTORY_KEY,
  SYSTEM_LOAD_HISTORY_KEY,
} from '../../../core/market-data/history.js';
import type { RejectedRow } from '../../../core/market-ingest/ercot-api.js';
import { loadHighs } from '../../../core/optimizer/solve.js';
import { ManualClock } from '../../../core/support/clock.js';
import { ErcotApiPriceFeed } from '../../../functions/market/adapters/ercot-api-feed.js';
import { ErcotPublicApiClient } from '../../../functions/market/adapters/ercot-public-api.js';
import { ErcotRtmMarketSource } from '../../../functions/market/adapters/ercot-source.js';
import { HighsFleetSolver } from '../../../functions/optimizer/adapters/highs-fleet-solver.js';
import type { PlanSolver, SolveRequest } from '../../../functions/optimizer/ports.js';
import { DynamoMarketHistoryStore } from '../../../functions/shared/data/market-history-store.js';
import { DynamoSwitchStateStore } from '../../../functions/shared/data/switch-state-store.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { createStateMachineRunner, TaskTokenRegistry } from '../../../sim/local/stepfunctions/index.js';
import {
  type ErcotFixtureServer,
  FIXTURE_CREDENTIALS,
  startErcotFixtureServer,
} from '../../../sim/market/ercot-fixture-server.js';
import { createLocalControlPlane } from '../../../sim/platform/local-control-plane.js';
import { fixedNonPriceSource } from '../../support/fixed-market-source.js';
import { type LocalTable, startLocalTable } from '../../support/local-table.js';
import { PATIENT_ACK_WAIT, synthesizeControlFlows } from '../flows/control-flows-stack.js';

/**
 * The new ERCOT feeds end to end on the local parts: ERCOT's Public API played by the fixture server over HTTP, the
 * real client, feed and source the ingestion Lambda builds, market ingestion into DynamoDB Local, then the OptimizeFlow
 * from the synthesized ASL on the local runner (the code path of AWS and `npm start`). DAM capacity prices
 * (NP4-188-CD) reach the plan as ancillary offers on the reference fleet's qualified sites; ERCOT system load
 * (NP6-345-CD) reaches the solve as its 4CP forecast.
 */

const TABLE = 'hcp-ercot-feeds-flow-test';
const NODES = ['HB_NORTH', 'HB_SOUTH', 'HB_WEST'];
const HOUR_MS = 3_600_000;
/** 2026-11-02 14:00 CST (a Monday, the day after the fall-back day). */
const NOW_MS = Date.parse('2026-11-02T20:00:00Z');

let server: ErcotFixtureServer;
let table: LocalTable;
let broker: RunningMqttBroker;
let mqtt: MqttClient;

beforeAll(async () => {
  [server, table, broker] = await Promise.all([startErcotFixtureServer(), startLocalTable(TABLE), startMqttBroker()]);
  mqtt = await connectAsync(broker.url, { clientId: 'ercot-feeds-cloud', reconnectPeriod: 0 });
});

afterAll(async () => {
  await mqtt?.endAsync(true);
  await Promise.all([server?.stop(), broker?.stop()]);
  await table?.stop();
});

/** The ingestion Lambda's ERCOT source on the fixture server, its rejected rows recorded. */
function ercotSource(clock: ManualClock) {
  const rejected: RejectedRow[] = [];
  const client = new ErcotPublicApiClient({
    credentials: { credentials: async () => FIXTURE_CREDENTIALS },
    clock,
    sleep: async (ms) => clock.advanceMs(ms),
    random: () => 0.5,
    baseUrl: server.baseUrl,
    tokenUrl: server.tokenUrl,
    minRequestSpacingMs: 0,
  });
  const source = new ErcotRtmMarketSource({
    feed: new ErcotApiPriceFeed({ client, clock }),
    nodes: NODES,
    nonPrice: fixedNonPriceSource,
    quality: { rowsRejected: (rows) => void rejected.push(...rows), intervalsMissing: () => {} },
  });
  return { source, rejected };
}

/** The local control plane on DynamoDB Local at `clock`, its solver's requests recorded. */
function controlPlaneAt(clock: ManualClock) {
  const requests: SolveRequest[] = [];
  const highs = new HighsFleetSolver({ highs: loadHighs });
  const solver: PlanSolver = {
    solve: (request) => {
      requests.push(request);
      return highs.solve(request);
    },
  };
  const controlPlane = createLocalControlPlane({
    client: table.client,
    tableName: table.tableName,
    mqtt,
    registry: new TaskTokenRegistry(),
    clock,
    solver,
  });
  return { controlPlane, requests };
}

/**
 * The control plane at NOW_MS after the scheduled ingestion of the last two hours (the planner reads a published
 * real-time price: the interval that ended at 14:00 is published at 14:05), with its OptimizeFlow runner.
 */
async function ingestedControlPlane() {
  const clock = new ManualClock(NOW_MS);
  const { source, rejected } = ercotSource(clock);
  const { controlPlane, requests } = controlPlaneAt(clock);
  const runner = createStateMachineRunner({
    template: synthesizeControlFlows(PATIENT_ACK_WAIT),
    logicalIdPrefix: 'OptimizeFlow',
    ...controlPlane.optimizeFlow(() => {}),
  });
  for (let atMs = NOW_MS - 2 * HOUR_MS; atMs <= NOW_MS; atMs += 15 * 60_000) {
    clock.setMs(atMs);
    await controlPlane.ingestMarket(source);
  }
  return { controlPlane, runner, requests, rejected };
}

describe('ERCOT capacity prices and system load through ingestion into the OptimizeFlow', () => {
  it('stores tomorrow’s DAM capacity prices only once the DAM has posted them (13:30 Central)', async () => {
    // Prepare
    const clock = new ManualClock(Date.parse('2026-11-01T18:00:00Z')); // 2026-11-01 12:00 CST
    const { source } = ercotSource(clock);
    const { controlPlane } = controlPlaneAt(clock);
    const history = new DynamoMarketHistoryStore({ client: table.client, tableName: table.tableName });
    const tomorrowMs = Date.parse('2026-11-02T06:00:00Z'); // 2026-11-02 00:00 CST
    const pricedTomorrow = async () =>
      (await history.read(ANCILLARY_HISTORY_KEY, tomorrowMs, tomorrowMs + 24 * HOUR_MS)).filter(
        (p) => p.asEcrsUsdPerMwh,
      );

    // Act
    await controlPlane.ingestMarket(source);
    const before = await pricedTomorrow();
    clock.setMs(Date.parse('2026-11-01T19:40:00Z')); // 13:40 CST
    await controlPlane.ingestMarket(source);
    const after = await pricedTomorrow();

    // Assess: every quarter-hour of 2026-11-02, with the fixture's hour-ending-08 ECRS price on 07:00–08:00
    expect(before).toEqual([]);
    expect(after).toHaveLength(96);
    const seven = after.filter((p) => p.intervalStartMs >= tomorrowMs + 7 * HOUR_MS).slice(0, 4);
    expect(new Set(seven.map((p) => p.asEcrsUsdPerMwh)).size).toBe(1);
    expect(seven[0]!.asEcrsUsdPerMwh).toBeGreaterThan(0);
  });

  it('plans ancillary offers at the posted prices, and solves with a 4CP forecast from the ERCOT load', async () => {
    // Prepare: the scheduled ingestion over the last two hours
    const { controlPlane, runner, requests, rejected } = await ingestedControlPlane();

    // Act: a dispatch
    const result = await runner.start({});

    // Assess: the run saved a plan whose qualified sites offer capacity at the DAM's prices for the rest of the day
    expect(result.status).toBe('SUCCEEDED');
    expect(rejected).toEqual([]);
    const plan = (await controlPlane.plans.loadCurrent())!;
    // The hourly DAM products (ERS contracts, at their contract price, are offered without any market price)
    const offers = plan.sites
      .flatMap((site) => site.ancillaryOffers ?? [])
      .filter((o) => o.product in ANCILLARY_HISTORY_FIELDS);
    expect(new Set(offers.map((o) => o.product))).toEqual(new Set(['RRS-UFR', 'ECRS', 'NSPIN']));
    const history = new DynamoMarketHistoryStore({ client: table.client, tableName: table.tableName });
    const stored = await history.read(ANCILLARY_HISTORY_KEY, NOW_MS - HOUR_MS, NOW_MS + 24 * HOUR_MS);
    for (const offer of offers) {
      const point = stored.find((p) => p.intervalStartMs === offer.intervalStartMs);
      const field = ANCILLARY_HISTORY_FIELDS[offer.product as keyof typeof ANCILLARY_HISTORY_FIELDS];
      expect(point?.[field]).toBe(offer.assumedPriceUsdPerMwh);
    }
    // No price is posted for 2026-11-03 (the fixtures end on 11-02): no offer reaches past the day
    expect(Math.max(...offers.map((o) => o.intervalStartMs))).toBeLessThan(Date.parse('2026-11-03T06:00:00Z'));

    // Assess: the solve's 4CP forecast starts at the first hour NP6-345-CD has not posted (2026-11-02 00:00 CST) and
    // runs past the horizon; the load it read is the 23 days the fixtures hold before it
    const fourCp = requests.at(-1)!.fourCp!;
    expect(fourCp.startMs).toBe(Date.parse('2026-11-02T06:00:00Z'));
    expect(fourCp.startMs + fourCp.loadMw.length * HOUR_MS).toBeGreaterThanOrEqual(NOW_MS + 24 * HOUR_MS);
    expect(fourCp.loadMw.every((mw) => mw > 30_000 && mw < 70_000)).toBe(true);
    const load = (await history.read(SYSTEM_LOAD_HISTORY_KEY, 0, NOW_MS)).filter((p) => p.systemLoadMw);
    expect(load).toHaveLength(23 * 24 + 1);
  }, 120_000);

  it('offers no capacity on a site under an operator override, and still on the others', async () => {
    // Prepare: the market as above, and an operator's override in force on site-west-1 for the next two hours
    const { controlPlane, runner } = await ingestedControlPlane();
    await new DynamoSwitchStateStore({ client: table.client, tableName: table.tableName }).put({
      siteId: 'site-west-1',
      status: 'committed',
      executionName: 'override-site-west-1-test',
      updatedAt: new Date(NOW_MS).toISOString(),
      overrideUntil: new Date(NOW_MS + 2 * HOUR_MS).toISOString(),
    });

    // Act
    const result = await runner.start({});

    // Assess: the overridden site is planned without offers; the other qualified sites still offer
    expect(result.status).toBe('SUCCEEDED');
    const plan = (await controlPlane.plans.loadCurrent())!;
    const offersOf = (siteId: string) => plan.sites.find((site) => site.siteId === siteId)?.ancillaryOffers ?? [];
    expect(plan.sites.map((site) => site.siteId)).toContain('site-west-1');
    expect(offersOf('site-west-1')).toEqual([]);
    expect(offersOf('site-south-1').length + offersOf('site-north-1').length).toBeGreaterThan(0);
  }, 120_000);

  it('refuses a malformed load row naming its field, and stores the rest of the day', async () => {
    // Prepare: 2026-11-29 02:00 CST, the day after the fixture day whose hour ending 10 has no number
    const clock = new ManualClock(Date.parse('2026-11-29T08:00:00Z'));
    const { source, rejected } = ercotSource(clock);

    // Act
    const points = await source.systemLoadAt(clock.nowMs());

    // Assess
    expect(rejected).toEqual([
      expect.objectContaining({ report: 'NP6-345-CD', reason: expect.stringMatching(/^total:/) }),
    ]);
    const day = points.filter((p) => p.intervalStartMs >= Date.parse('2026-11-28T06:00:00Z'));
    expect(day).toHaveLength(23);
    expect(day.some((p) => p.intervalStartMs === Date.parse('2026-11-28T15:00:00Z'))).toBe(false);
  });
});
