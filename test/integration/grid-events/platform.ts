import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { meritOrderLadder } from '../../../core/economics/ladder.js';
import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import type { GridEventEvidence } from '../../../core/grid-events/evidence.js';
import type { GridEvent } from '../../../core/grid-events/grid-event.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import type { Site } from '../../../core/model/site.js';
import { useLocalEvidenceArchive } from '../../../functions/api/grid-events/sources.js';
import { useLocalClock } from '../../../functions/api/runtime.js';
import { FileEvidenceArchive } from '../../../functions/grid-events/adapters/file-evidence-archive.js';
import { MqttSignalPublisher } from '../../../functions/market/adapters/mqtt-signal-publisher.js';
import { ingestMarketSnapshot } from '../../../functions/market/ingest.js';
import { listAudit, verifyAudit } from '../../../functions/shared/data/audit-log.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import { type RunningGateway, startGateway } from '../../../iot-greengrass/gateway.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { startLocalGridEvents } from '../../../sim/platform/grid-events.js';
import type { InjectionDeps } from '../../../sim/platform/injections.js';
import { startLocalSwitchLog } from '../../../sim/platform/local-switch-log.js';
import { MarketFeed } from '../../../sim/platform/market-feed.js';
import { type RunningMarketReplay, startMarketReplay } from '../../../sim/platform/market-replay.js';
import { SimClock } from '../../../sim/platform/sim-clock.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';
import { until } from '../../support/until.js';
import { type OperatorApiHarness, startOperatorApi } from '../api-operator/harness.js';

/**
 * The local platform's real parts the M&V evidence tests run on: DynamoDB Local behind the operator API over HTTP, the
 * aedes broker, a site gateway (SwitchAgent + Telemetry) over virtual miners speaking the LuxOS TCP API, the market
 * replay at a flat price, the injection control, the local grid-event recorder and the local-switch log on the
 * broker. One virtual miner is one unit of the site: the meter (the devices' sum) and the ladder are on one scale.
 */
export interface EvidencePlatform {
  readonly h: OperatorApiHarness;
  readonly broker: RunningMqttBroker;
  readonly fleet: VirtualFleet;
  readonly gateway: RunningGateway;
  readonly cloud: MqttClient;
  readonly replay: RunningMarketReplay;
  readonly clock: SimClock;
  readonly feed: MarketFeed;
  readonly site: Site;
  readonly ladder: ReturnType<typeof meritOrderLadder>;
  readonly archiveRoot: string;
  readonly injectionDeps: () => InjectionDeps;
  /** The first grid event of `kind` the API lists, once it has ended. */
  endedEvent(kind: GridEvent['kind']): Promise<GridEvent>;
  /** The evidence through the API, once the recovery window has passed (409 until then). */
  fetchEvidence(
    id: string,
    timeoutMs?: number,
  ): Promise<{ text: string; sha256: string | null; evidence: GridEventEvidence }>;
  /** The audit chain holds the hash of exactly this document, and verifies. */
  expectHashInAuditChain(id: string, sha256: string): Promise<void>;
  /** Waits until telemetry has shown every miner hashing for `minutes` simulated minutes. */
  allHashingFor(minutes: number): Promise<void>;
  stop(): Promise<void>;
}

export interface EvidencePlatformOptions {
  readonly tableName: string;
  readonly startMs: number;
  readonly speed: number;
  readonly flatUsdPerMwh: number;
  /**
   * How long the gateway runs a plan without hearing the cloud. The replay's market signals come every 15 simulated
   * minutes and nothing else here beats for the cloud: a plan to follow needs more. @default the gateway's (2 min)
   */
  readonly heartbeatTimeoutMs?: number;
  /** Where each ingested snapshot goes besides the signal. @default nowhere */
  readonly snapshots?: { put(snapshot: MarketSnapshot): Promise<unknown> };
}

export async function startEvidencePlatform(o: EvidencePlatformOptions): Promise<EvidencePlatform> {
  const referenceSite = referenceFleet.sites[0]!;
  const h = await startOperatorApi({
    tableName: o.tableName,
    switchFlows: { start: async () => ({ executionArn: 'x' }) },
  });
  const clock = new SimClock(o.startMs, o.speed);
  useLocalClock(clock);
  const archiveRoot = mkdtempSync(path.join(tmpdir(), 'hcp-evidence-'));
  useLocalEvidenceArchive(new FileEvidenceArchive(archiveRoot));
  const broker = await startMqttBroker();
  const fleet = await startVirtualFleet({ asics: 6, gpuNodes: 0, seed: 5, clock, site: referenceSite });
  const devices = (groupId: string) => fleet.endpoints.filter((e) => e.groupId === groupId).length;
  const site: Site = {
    ...referenceSite,
    asicGroups: referenceSite.asicGroups
      .filter((g) => devices(g.id) > 0)
      .map((g) => ({ ...g, unitCount: devices(g.id), minOnMinutes: 0, minOffMinutes: 0 })),
    gpuPools: [],
  };
  const ladder = meritOrderLadder(site, { hashpriceUsdPerThDay: 0.05, gpuRevenueUsdPerGpuHour: 2 });
  const gateway = await startGateway({
    siteId: site.id,
    site,
    brokerUrl: broker.url,
    devices: fleet.endpoints,
    stateDir: mkdtempSync(path.join(tmpdir(), 'hcp-grid-events-gw-')),
    clock,
    config: {
      switchAgent: {
        defaultMode: 'all-on',
        ladder,
        ...(o.heartbeatTimeoutMs ? { heartbeatTimeoutMs: o.heartbeatTimeoutMs } : {}),
      },
      telemetry: { pollPeriodMs: 250 },
    },
  });
  const cloud = await connectAsync(broker.url, { clientId: `${o.tableName}-cloud` });
  const recorder: MessagingPort = await connectMqttPort({ url: broker.url, clientId: `${o.tableName}-recorder` });
  await startLocalGridEvents({
    client: h.documents,
    tableName: h.tableName,
    messaging: recorder,
    sites: [site],
    ladderOf: async () => ladder,
  });
  await startLocalSwitchLog({ client: h.documents, tableName: h.tableName, messaging: recorder });
  const flat = {
    name: 'flat',
    snapshotAt: async (atMs: number) =>
      marketSnapshotAt(Math.floor(atMs / 900_000) * 900_000, { [site.marketNode]: o.flatUsdPerMwh }),
  };
  const feed = new MarketFeed(flat, o.startMs, o.startMs + 86_400_000, 'flat');
  const signals = new MqttSignalPublisher(cloud);
  const replay = startMarketReplay({
    clock,
    feed,
    ingest: () =>
      ingestMarketSnapshot({
        source: feed,
        store: { put: async (s: MarketSnapshot) => void (await o.snapshots?.put(s)), latest: async () => undefined },
        signals,
        metrics: { snapshotIngested: () => {}, marketDataAge: () => {} },
        clock,
      }),
    onEvent: () => {},
    pollRealMs: 20,
  });

  const platform: EvidencePlatform = {
    h,
    broker,
    fleet,
    gateway,
    cloud,
    replay,
    clock,
    feed,
    site,
    ladder,
    archiveRoot,
    injectionDeps: () => ({
      clock,
      feed,
      replay,
      sites: [site],
      publish: async (topic: string, payload: string) => {
        await cloud.publishAsync(topic, payload, { qos: 1 });
      },
      onEvent: () => {},
    }),
    endedEvent: (kind) =>
      until(`an ended ${kind} event in GET /v1/grid-events`, async () => {
        const { body } = await h.call('GET', '/v1/grid-events?limit=100');
        return (body.items as GridEvent[]).find((e) => e.kind === kind && e.endAt);
      }),
    fetchEvidence: (id, timeoutMs) =>
      until(
        `the evidence of ${id}`,
        async () => {
          const response = await fetch(`${h.url}/v1/grid-events/${id}/evidence`, {
            headers: { 'x-test-role': 'operator' },
          });
          const text = await response.text();
          if (response.status === 409) return undefined;
          if (response.status !== 200) throw new Error(`evidence: ${response.status} ${text}`);
          return {
            text,
            sha256: response.headers.get('hcp-evidence-sha256'),
            evidence: JSON.parse(text) as GridEventEvidence,
          };
        },
        timeoutMs ? { timeoutMs } : {},
      ),
    async expectHashInAuditChain(id, sha256) {
      const deps = { client: h.documents, tableName: h.tableName };
      const { items } = await listAudit(deps, 'platform', 100);
      const entries = items.filter((e) => e.action === 'grid-event.evidence' && e.target === `grid-event/${id}`);
      expect(entries).toHaveLength(1);
      expect(entries[0]!.detail?.sha256).toBe(sha256);
      expect(sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(await verifyAudit(deps, 'platform')).toMatchObject({ ok: true });
    },
    async allHashingFor(minutes) {
      const sinceMs = clock.nowMs();
      await until('every miner hashing', () => gateway.state().switchAgent.heldGroups.length === 0);
      await until(`${minutes} simulated minutes of telemetry`, () => clock.nowMs() - sinceMs >= minutes * 60_000);
    },
    async stop() {
      await replay?.stop();
      await recorder?.close();
      await cloud?.endAsync(true);
      await gateway?.stop();
      await fleet?.stop();
      await broker?.stop();
      await h?.stop();
      useLocalClock(undefined);
      useLocalEvidenceArchive(undefined);
    },
  };
  return platform;
}
