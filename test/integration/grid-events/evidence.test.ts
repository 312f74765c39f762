import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { sha256Hex } from '../../../core/api/canonical.js';
import { meritOrderLadder } from '../../../core/economics/ladder.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { GridEventEvidence } from '../../../core/grid-events/evidence.js';
import type { GridEvent } from '../../../core/grid-events/grid-event.js';
import type { Site } from '../../../core/model/site.js';
import { useLocalEvidenceArchive } from '../../../functions/api/grid-events/sources.js';
import { useLocalClock } from '../../../functions/api/runtime.js';
import { FileEvidenceArchive } from '../../../functions/grid-events/adapters/file-evidence-archive.js';
import { evidenceKey } from '../../../functions/grid-events/evidence.js';
import { MqttSignalPublisher } from '../../../functions/market/adapters/mqtt-signal-publisher.js';
import { ingestMarketSnapshot } from '../../../functions/market/ingest.js';
import { listAudit, verifyAudit } from '../../../functions/shared/data/audit-log.js';
import { DynamoGridEventStore } from '../../../functions/shared/data/grid-event-store.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import { type RunningGateway, startGateway } from '../../../iot-greengrass/gateway.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { startLocalGridEvents } from '../../../sim/platform/grid-events.js';
import { inject } from '../../../sim/platform/injections.js';
import { MarketFeed } from '../../../sim/platform/market-feed.js';
import { type RunningMarketReplay, startMarketReplay } from '../../../sim/platform/market-replay.js';
import { SimClock } from '../../../sim/platform/sim-clock.js';
import { until } from '../../support/until.js';
import { marketSnapshotAt } from '../../unit/platform/market-fixture.js';
import { type OperatorApiHarness, startOperatorApi } from '../api-operator/harness.js';

/**
 * M&V evidence on the local platform's real parts: DynamoDB Local behind the operator API over HTTP, the aedes
 * broker, a site gateway (SwitchAgent + Telemetry) over virtual miners speaking the LuxOS TCP API, the market replay
 * and the injection control, and the local grid-event recorder on the broker. A price spike and a DR deployment each
 * become a grid event; each one's evidence is fetched through the API once its recovery window has passed, and its
 * SHA-256 is found in the platform audit chain, which verifies.
 */
const referenceSite = referenceFleet.sites[0]!;
const START_MS = Date.parse('2025-01-15T16:00:00Z');
const SPEED = 120;
const FLAT_USD_PER_MWH = 25;

let h: OperatorApiHarness;
let broker: RunningMqttBroker;
let fleet: VirtualFleet;
let gateway: RunningGateway;
let cloud: MqttClient;
let recorder: MessagingPort;
let replay: RunningMarketReplay;
let clock: SimClock;
let feed: MarketFeed;
let site: Site;
let ladder: ReturnType<typeof meritOrderLadder>;
let archiveRoot: string;

beforeAll(async () => {
  h = await startOperatorApi({
    tableName: 'hcp-grid-events',
    switchFlows: { start: async () => ({ executionArn: 'x' }) },
  });
  clock = new SimClock(START_MS, SPEED);
  useLocalClock(clock);
  archiveRoot = mkdtempSync(path.join(tmpdir(), 'hcp-evidence-'));
  useLocalEvidenceArchive(new FileEvidenceArchive(archiveRoot));
  broker = await startMqttBroker();
  fleet = await startVirtualFleet({ asics: 6, gpuNodes: 0, seed: 5, clock, site: referenceSite });
  // One virtual miner is one unit of this site: the meter (the devices' sum) and the ladder are on the same scale.
  const devices = (groupId: string) => fleet.endpoints.filter((e) => e.groupId === groupId).length;
  site = {
    ...referenceSite,
    asicGroups: referenceSite.asicGroups
      .filter((g) => devices(g.id) > 0)
      .map((g) => ({ ...g, unitCount: devices(g.id), minOnMinutes: 0, minOffMinutes: 0 })),
    gpuPools: [],
  };
  ladder = meritOrderLadder(site, { hashpriceUsdPerThDay: 0.05, gpuRevenueUsdPerGpuHour: 2 });
  gateway = await startGateway({
    siteId: site.id,
    site,
    brokerUrl: broker.url,
    devices: fleet.endpoints,
    stateDir: mkdtempSync(path.join(tmpdir(), 'hcp-grid-events-gw-')),
    clock,
    config: { switchAgent: { defaultMode: 'all-on', ladder }, telemetry: { pollPeriodMs: 250 } },
  });
  cloud = await connectAsync(broker.url, { clientId: 'grid-events-test-cloud' });
  recorder = await connectMqttPort({ url: broker.url, clientId: 'grid-events-test-recorder' });
  await startLocalGridEvents({
    client: h.documents,
    tableName: h.tableName,
    messaging: recorder,
    sites: [site],
    ladderOf: async () => ladder,
  });
  const flat = {
    name: 'flat',
    snapshotAt: async (atMs: number) =>
      marketSnapshotAt(Math.floor(atMs / 900_000) * 900_000, { [site.marketNode]: FLAT_USD_PER_MWH }),
  };
  feed = new MarketFeed(flat, START_MS, START_MS + 86_400_000, 'flat');
  const signals = new MqttSignalPublisher(cloud);
  replay = startMarketReplay({
    clock,
    feed,
    ingest: () =>
      ingestMarketSnapshot({
        source: feed,
        store: { put: async () => {}, latest: async () => undefined },
        signals,
        metrics: { snapshotIngested: () => {}, marketDataAge: () => {} },
        clock,
      }),
    onEvent: () => {},
    pollRealMs: 20,
  });
}, 120_000);

afterAll(async () => {
  await replay?.stop();
  await recorder?.close();
  await cloud?.endAsync(true);
  await gateway?.stop();
  await fleet?.stop();
  await broker?.stop();
  await h?.stop();
  useLocalClock(undefined);
  useLocalEvidenceArchive(undefined);
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/grid-events-evidence.json', `${JSON.stringify(measured, null, 2)}\n`);
});

const injectionDeps = () => ({
  clock,
  feed,
  replay,
  sites: [site],
  publish: async (topic: string, payload: string) => {
    await cloud.publishAsync(topic, payload, { qos: 1 });
  },
  onEvent: () => {},
});

/** The first grid event of `kind` the API lists, once it has ended. */
async function endedEvent(kind: GridEvent['kind']): Promise<GridEvent> {
  return until(`an ended ${kind} event in GET /v1/grid-events`, async () => {
    const { body } = await h.call('GET', '/v1/grid-events?limit=100');
    return (body.items as GridEvent[]).find((e) => e.kind === kind && e.endAt);
  });
}

/** The evidence through the API, once the recovery window has passed (409 until then). */
async function fetchEvidence(id: string) {
  return until(`the evidence of ${id}`, async () => {
    const response = await fetch(`${h.url}/v1/grid-events/${id}/evidence`, { headers: { 'x-test-role': 'operator' } });
    const text = await response.text();
    if (response.status === 409) return undefined;
    if (response.status !== 200) throw new Error(`evidence: ${response.status} ${text}`);
    return {
      text,
      sha256: response.headers.get('hcp-evidence-sha256'),
      evidence: JSON.parse(text) as GridEventEvidence,
    };
  });
}

/** What each test measured, kept in test-results/ (not committed) for the report: the curve's figures. */
const measured: Record<string, unknown> = {};
const keepFigures = (name: string, e: GridEventEvidence) => {
  const { points, ...curve } = e.curve;
  measured[name] = {
    event: e.event,
    baseline: e.baseline.method,
    curve,
    points: points.length,
    settlement: e.settlement,
  };
};

/** The audit chain holds the hash of exactly this document, and verifies. */
async function expectHashInAuditChain(id: string, sha256: string) {
  const deps = { client: h.documents, tableName: h.tableName };
  const { items } = await listAudit(deps, 'platform', 100);
  const entries = items.filter((e) => e.action === 'grid-event.evidence' && e.target === `grid-event/${id}`);
  expect(entries).toHaveLength(1);
  expect(entries[0]!.detail?.sha256).toBe(sha256);
  expect(await verifyAudit(deps, 'platform')).toMatchObject({ ok: true });
}

/** Waits until telemetry has shown every miner hashing for a while: the baseline's 15 minutes before the start. */
async function allHashingFor(minutes: number) {
  const sinceMs = clock.nowMs();
  await until('every miner hashing', () => gateway.state().switchAgent.heldGroups.length === 0);
  await until(`${minutes} simulated minutes of telemetry`, () => clock.nowMs() - sinceMs >= minutes * 60_000);
}

describe('M&V evidence of grid events through the API', () => {
  it('answers 404 for an unknown grid event and 400 for a bad format', async () => {
    expect((await h.call('GET', '/v1/grid-events/ge-0-price-curtailment-nope/evidence')).status).toBe(404);
    const bad = await h.call('GET', '/v1/grid-events/x/evidence?format=pdf');
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues[0].field).toBe('format');
  });

  it('evidences a price-driven curtailment: curve, baseline, device timelines, settlement, hash in the audit chain', async () => {
    // Prepare: a price between the two cheapest ASIC rungs' stop prices holds the cheapest only.
    const asicRungs = ladder.filter((r) => r.kind === 'asic');
    const spike = Math.round((asicRungs[0]!.stopAbovePriceUsdPerMwh + asicRungs[1]!.stopAbovePriceUsdPerMwh) / 2);
    await allHashingFor(16);
    // Act
    await inject({ kind: 'price-spike', priceUsdPerMwh: spike, durationMinutes: 8 }, injectionDeps());
    const event = await endedEvent('price-curtailment');
    const { text, sha256, evidence } = await fetchEvidence(event.id);
    keepFigures('price-curtailment', evidence);
    // Assess: the event is what the signal held.
    expect(event).toMatchObject({ siteId: site.id, program: 'none', priceUsdPerMwh: spike });
    expect(event.committedMw).toBeCloseTo(asicRungs[0]!.sheddableKw / 1000, 9);
    // The baseline is the meter before the start, the curve reached half the committed MW, the load came back.
    expect(evidence.baseline).toMatchObject({ method: 'meter-before' });
    expect(evidence.baseline.intervals[0]!.baselineKw).toBeGreaterThan(0);
    expect(evidence.curve.secondsTo50Pct).toBeGreaterThanOrEqual(0);
    expect(evidence.curve.sustainedMw).toBeGreaterThan(0.5 * event.committedMw);
    expect(evidence.curve.recoverySeconds).toBeGreaterThanOrEqual(0);
    // Each curtailed miner's timeline shows it leave hashing during the event.
    const rungDevices = evidence.devices.filter((d) => d.groupId === asicRungs[0]!.groupId);
    expect(rungDevices.length).toBeGreaterThan(0);
    for (const d of rungDevices) {
      expect(d.changes[0]!.state).toBe('hashing');
      expect(d.changes.some((c) => c.state === 'sleeping')).toBe(true);
      expect(d.secondsToFirstChange).toBeGreaterThanOrEqual(0);
    }
    expect(evidence.settlement.avoidedEnergyCostUsd).toBeGreaterThan(0);
    // The body is the stored document byte for byte; its hash is in the chain.
    expect(sha256).toBe(sha256Hex(text));
    await expectHashInAuditChain(event.id, sha256!);
    // CSV and HTML are renderings of the same stored document; a second read returns it unchanged.
    const csv = await fetch(`${h.url}/v1/grid-events/${event.id}/evidence`, {
      headers: { 'x-test-role': 'operator', accept: 'text/csv' },
    });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(await csv.text()).toContain(`summary,,event.id,${event.id}`);
    const html = await fetch(`${h.url}/v1/grid-events/${event.id}/evidence?format=html`, {
      headers: { 'x-test-role': 'operator' },
    });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toContain(sha256!);
    expect((await fetchEvidence(event.id)).text).toBe(text);
  });

  it('evidences an injected demand-response deployment, naming the ERS baseline it could not use', async () => {
    // Prepare
    const firstRung = ladder.find((r) => r.kind === 'asic')!;
    await allHashingFor(16);
    // Act
    await inject(
      { kind: 'demand-response', deployMw: firstRung.sheddableKw / 1000, durationMinutes: 8 },
      injectionDeps(),
    );
    // While it lasts there is no evidence yet: 409, naming why.
    const open = await until('the open DR event', async () => {
      const { body } = await h.call('GET', '/v1/grid-events?limit=100');
      return (body.items as GridEvent[]).find((e) => e.kind === 'demand-response');
    });
    if (!open.endAt) {
      const early = await h.call('GET', `/v1/grid-events/${open.id}/evidence`);
      expect(early.status).toBe(409);
      expect(early.body.error.code).toBe('evidence-not-ready');
    }
    const event = await endedEvent('demand-response');
    const { text, sha256, evidence } = await fetchEvidence(event.id);
    keepFigures('demand-response', evidence);
    // Assess: an ERS site's deployment, measured against the meter before it since there are no 10 like days.
    expect(event).toMatchObject({ program: 'ERS', siteId: site.id });
    expect(evidence.baseline).toMatchObject({ method: 'meter-before', wanted: 'ers-middle-8-of-10-like-days' });
    expect(evidence.baseline.fallbackReason).toMatch(/like days/);
    expect(evidence.curve.points.length).toBeGreaterThan(5);
    expect(evidence.curve.secondsTo50Pct).toBeGreaterThanOrEqual(0);
    expect(evidence.devices.some((d) => d.changes.some((c) => c.state === 'sleeping'))).toBe(true);
    expect(evidence.settlement.capacityCreditUsd).toBeGreaterThanOrEqual(0);
    expect(sha256).toBe(sha256Hex(text));
    await expectHashInAuditChain(event.id, sha256!);
    // Stored write-once: the archive refuses to replace it.
    const archive = new FileEvidenceArchive(archiveRoot);
    const again = await archive.putOnce(evidenceKey(event), Buffer.from('{}'));
    expect(again).toMatchObject({ outcome: 'exists' });
    expect(await archive.get(evidenceKey(event))).toEqual(Buffer.from(text, 'utf8'));
  });

  it('pages the grid events newest first with a cursor', async () => {
    const first = await h.call('GET', '/v1/grid-events?limit=1');
    expect(first.body.items).toHaveLength(1);
    expect(first.body.items[0].kind).toBe('demand-response');
    const second = await h.call('GET', `/v1/grid-events?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].kind).toBe('price-curtailment');
    expect((await h.call('GET', '/v1/grid-events', { role: 'customer-user' })).status).toBe(403);
  });

  it('records a signal delivered twice once', async () => {
    // Prepare: the DR event as stored, re-opened and re-closed as a redelivered deploy and recall would.
    const store = new DynamoGridEventStore({ client: h.documents, tableName: h.tableName });
    const { body } = await h.call('GET', '/v1/grid-events?limit=100');
    const dr = (body.items as GridEvent[]).find((e) => e.kind === 'demand-response')!;
    const { endAt: _ended, ...opened } = dr;
    // Act
    await store.open(opened);
    await store.close(dr.id, new Date(clock.nowMs()).toISOString());
    // Assess
    expect(await store.get(dr.id)).toEqual(dr);
    expect(await store.openAt(site.id)).toEqual([]);
    expect((await h.call('GET', '/v1/grid-events?limit=100')).body.items).toHaveLength(body.items.length);
  });
});
