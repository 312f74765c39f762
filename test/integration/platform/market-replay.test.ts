import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { meritOrderLadder } from '../../../core/economics/ladder.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { MqttSignalPublisher } from '../../../functions/market/adapters/mqtt-signal-publisher.js';
import { ingestMarketSnapshot } from '../../../functions/market/ingest.js';
import { type RunningGateway, startGateway } from '../../../iot-greengrass/gateway.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { inject } from '../../../sim/platform/injections.js';
import { MarketFeed } from '../../../sim/platform/market-feed.js';
import { type RunningMarketReplay, startMarketReplay } from '../../../sim/platform/market-replay.js';
import { PlatformObserver } from '../../../sim/platform/observer.js';
import { SimClock } from '../../../sim/platform/sim-clock.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';
import { until as untilState } from '../../support/until.js';

/**
 * The market replay and the injection control against the real pieces they drive: the aedes broker, a site gateway
 * (SwitchAgent + Telemetry) over virtual miners speaking the LuxOS TCP API, and the observer on the broker. No plan:
 * the gateway runs all-on and reacts on its own ladder, which is what happens between dispatches.
 */
const site = referenceFleet.sites[0]!;
const START_MS = Date.parse('2025-01-13T06:00:00Z');
const SPEED = 120;
const ladder = meritOrderLadder(site, { hashpriceUsdPerThDay: 0.05, gpuRevenueUsdPerGpuHour: 2 });
const asicRungs = ladder.filter((r) => r.kind === 'asic');
/** Between the two ASIC rungs: only the cheaper one must stop. */
const SPIKE_USD_PER_MWH = Math.round(
  (asicRungs[0]!.stopAbovePriceUsdPerMwh + asicRungs[1]!.stopAbovePriceUsdPerMwh) / 2,
);

const flatMarket = {
  name: 'flat',
  snapshotAt: async (atMs: number) => marketSnapshotAt(Math.floor(atMs / 900_000) * 900_000, { [site.marketNode]: 25 }),
};

let broker: RunningMqttBroker;
let fleet: VirtualFleet;
let gateway: RunningGateway;
let cloud: MqttClient;
let replay: RunningMarketReplay;
let observer: PlatformObserver;
let clock: SimClock;
let feed: MarketFeed;
let ingested = 0;

/** Waits for the state a test checks; a timeout shows the SwitchAgent's state. */
const until = <T>(what: string, check: () => T | undefined | false) =>
  untilState(what, check, { detail: () => gateway.state().switchAgent });

beforeAll(async () => {
  broker = await startMqttBroker();
  clock = new SimClock(START_MS, SPEED);
  fleet = await startVirtualFleet({ asics: 6, gpuNodes: 0, seed: 3, clock, site });
  gateway = await startGateway({
    siteId: site.id,
    site,
    brokerUrl: broker.url,
    devices: fleet.endpoints,
    stateDir: mkdtempSync(path.join(tmpdir(), 'hcp-replay-')),
    clock,
    config: { switchAgent: { defaultMode: 'all-on', ladder }, telemetry: { pollPeriodMs: 300 } },
  });
  observer = new PlatformObserver({
    sites: [site],
    unitsPerDevice: new Map(),
    simNowMs: () => clock.nowMs(),
    simMsToRealMs: (ms) => clock.toRealMs(ms),
    telemetryStaleRealMs: 5_000,
  });
  cloud = await connectAsync(broker.url, { clientId: 'replay-test-cloud' });
  cloud.on('message', (topic, payload) => observer.handleMessage(topic, payload));
  await cloud.subscribeAsync(PlatformObserver.topics);
  feed = new MarketFeed(flatMarket, START_MS, START_MS + 86_400_000, 'flat');
  const signals = new MqttSignalPublisher(cloud);
  replay = startMarketReplay({
    clock,
    feed,
    ingest: async () => {
      ingested += 1;
      await ingestMarketSnapshot({
        source: feed,
        store: { put: async () => {}, latest: async () => undefined },
        signals,
        metrics: { snapshotIngested: () => {}, marketDataAge: () => {} },
        clock,
      });
    },
    onEvent: (event) => observer.record(event),
    pollRealMs: 20,
  });
});

afterAll(async () => {
  await replay?.stop();
  await cloud?.endAsync(true);
  await gateway?.stop();
  await fleet?.stop();
  await broker?.stop();
});

describe('market replay and injected events over the broker', () => {
  it('relays the market price and hashprice as soon as it starts', async () => {
    // Act: the replay's first pass publishes at once.
    await until('the first price at the gateway', () => observer.snapshot().sites[0]!.priceUsdPerMwh === 25);
    // Assess
    expect(ingested).toBeGreaterThanOrEqual(1);
    expect(observer.snapshot().market.latest?.hashprice.hashpriceUsdPerThDay).toBe(0.05);
    expect(gateway.state().switchAgent.heldGroups).toEqual([]);
  });

  it('curtails the rung above a spike through the real gateway and brings it back when the window ends', async () => {
    // Prepare
    await until('all miners hashing', () => observer.snapshot().sites[0]!.power?.devicesByState.hashing === 6);
    const publishedBefore = ingested;
    // Act: 6 simulated minutes (3 s real), past the gateway's 5-minute minimum off time.
    await inject(
      { kind: 'price-spike', priceUsdPerMwh: SPIKE_USD_PER_MWH, durationMinutes: 6 },
      { clock, feed, replay, sites: [site], publish: async () => {}, onEvent: (event) => observer.record(event) },
    );
    // Assess: held by price, the cheaper rung only, its miners asleep on the wire.
    await until('the cheaper rung held', () => gateway.state().switchAgent.heldGroups.includes(asicRungs[0]!.groupId));
    expect(gateway.state().switchAgent.heldGroups).not.toContain(asicRungs[1]!.groupId);
    expect(ingested).toBeGreaterThan(publishedBefore);
    await until(
      'sleeping miners in telemetry',
      () => (observer.snapshot().sites[0]!.power?.devicesByState.sleeping ?? 0) > 0,
    );
    // Assess: the window's end is a price change the replay publishes on its own.
    await until('the rung released after the spike', () => gateway.state().switchAgent.heldGroups.length === 0);
    await until('every miner hashing again', () => observer.snapshot().sites[0]!.power?.devicesByState.hashing === 6);
    expect(observer.snapshot().sites[0]!.priceUsdPerMwh).toBe(25);
  });

  it('runs a scheduled task when the simulated clock reaches it', async () => {
    // Prepare
    let ranAtMs: number | undefined;
    const dueMs = clock.nowMs() + 60_000;
    // Act
    replay.at(dueMs, () => {
      ranAtMs = clock.nowMs();
    });
    // Assess
    const at = await until('the task', () => ranAtMs);
    expect(at).toBeGreaterThanOrEqual(dueMs);
  });
});
