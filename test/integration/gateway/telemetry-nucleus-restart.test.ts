import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TelemetryAck } from '../../../core/messages/telemetry.js';
import { siteTopic } from '../../../core/messages/topics.js';
import { ManualClock } from '../../../core/support/clock.js';
import { MemoryTelemetryMarkStore } from '../../../functions/telemetry/adapters/memory-mark-store.js';
import { ingestTelemetryBatch, type TelemetryIngestDeps } from '../../../functions/telemetry/ingest.js';
import type { DeviceDriver, GatewayDevice } from '../../../iot-greengrass/adapters/device-port.js';
import type { MessageHandler, MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import { telemetryConfigSchema } from '../../../iot-greengrass/components/com.hcp.Telemetry/src/config.js';
import { TelemetryAgent } from '../../../iot-greengrass/components/com.hcp.Telemetry/src/telemetry-agent.js';
import { until } from '../../support/until.js';

const SITE = 'site-west-1';
const POLL_MS = 10_000;

const devices: GatewayDevice[] = [
  { id: 'west-s21-a-00001', kind: 'asic', groupId: 'west-s21-a', address: '192.0.2.1', port: 4028 },
];
const driver: DeviceDriver = {
  setPowered: async () => ({ ok: true, value: undefined }),
  readPowered: async () => ({ ok: true, value: true }),
  read: async () => ({ ok: true, value: { powered: true, state: 'hashing', powerW: 3510, hashrateThs: 200 } }),
};

/**
 * The Greengrass messaging port as the nucleus behaves: IPC is up, so it always reports connected and accepts every
 * publish; while IoT Core is unreachable it queues in memory, and a nucleus restart drops that queue. The cloud side
 * is the real ingest use case with the mark store, whose acks reach the gateway only while the link is up.
 */
function greengrassNucleusFake(ingest: TelemetryIngestDeps) {
  let online = true;
  let queue: string[] = [];
  const handlers: Array<{ topic: string; handler: MessageHandler }> = [];
  const received: number[] = [];
  const toCloud = async (payload: string) => {
    received.push((JSON.parse(payload) as { batchSeq: number }).batchSeq);
    await ingestTelemetryBatch(JSON.parse(payload), ingest);
  };
  const toGateway = (ack: TelemetryAck) => {
    if (!online) return;
    const topic = siteTopic(ack.siteId, 'telemetry-acks');
    for (const h of handlers) if (h.topic === topic) h.handler(topic, Buffer.from(JSON.stringify(ack)));
  };
  const port: MessagingPort = {
    publish: async (_channel, _topic, payload) => {
      if (online) await toCloud(payload);
      else queue.push(payload);
    },
    subscribe: async (_channel, topic, handler) => void handlers.push({ topic, handler }),
    isConnected: () => true,
    onConnectionChange: () => () => undefined,
    close: async () => undefined,
  };
  return {
    port,
    received,
    toGateway,
    queued: () => queue.length,
    goOffline: () => {
      online = false;
    },
    async goOnline() {
      online = true;
      const drained = queue;
      queue = [];
      for (const payload of drained) await toCloud(payload);
    },
    restartNucleus: () => {
      queue = [];
    },
  };
}

function ingestDeps(acks: (ack: TelemetryAck) => void): TelemetryIngestDeps {
  return {
    devices: { putLatest: async () => undefined },
    series: { write: async () => ({ rejected: 0 }) },
    metrics: { siteSummary: () => {}, unknownSite: () => {}, batchRejected: () => {}, samplesRejected: () => {} },
    latestMarket: async () => undefined,
    siteModel: () => undefined,
    marks: { store: new MemoryTelemetryMarkStore(), acks: { publish: async (ack) => acks(ack) } },
  };
}

/** Polls on (each poll may re-send what is overdue) until the mark covers every batch and the spool is empty. */
async function pollUntilCovered(agent: TelemetryAgent, poll: () => Promise<void>): Promise<void> {
  await until(
    'the mark to cover every batch',
    async () => {
      await poll();
      const view = agent.view();
      return view.spooled === 0 && view.ackedThroughSeq === view.nextBatchSeq - 1;
    },
    { detail: () => agent.view() },
  );
}

/** The last batch number taken, and the numbers from 0 to it the cloud never received. */
function lastAndMissing(agent: TelemetryAgent, received: readonly number[]) {
  const last = agent.view().nextBatchSeq - 1;
  return { last, missing: Array.from({ length: last + 1 }, (_, i) => i).filter((seq) => !received.includes(seq)) };
}

describe('telemetry through a Greengrass nucleus restarted during an outage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hcp-telemetry-gg-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function runOutageWithRestart(awaitCloudAck: boolean, spoolMaxBatches?: number) {
    let nucleus: ReturnType<typeof greengrassNucleusFake> | undefined;
    nucleus = greengrassNucleusFake(ingestDeps((ack) => nucleus?.toGateway(ack)));
    const clock = new ManualClock(Date.parse('2026-12-06T03:00:00Z'));
    const agent = new TelemetryAgent({
      config: telemetryConfigSchema.parse({
        siteId: SITE,
        gatewayId: SITE,
        pollPeriodMs: POLL_MS,
        awaitCloudAck,
        ...(spoolMaxBatches ? { spoolMaxBatches } : {}),
      }),
      devices,
      driver,
      messaging: nucleus.port,
      clock,
      spoolDir: dir,
    });
    agent.start({ autoPoll: false });
    const poll = async () => {
      clock.advanceMs(POLL_MS);
      await agent.poll();
      await agent.flush();
    };
    // Online: 3 batches. Offline for 2 simulated minutes: 12 batches, all accepted by the nucleus. Then it restarts.
    for (let i = 0; i < 3; i++) await poll();
    nucleus.goOffline();
    for (let i = 0; i < 12; i++) await poll();
    const queuedAtRestart = nucleus.queued();
    nucleus.restartNucleus();
    await nucleus.goOnline();
    return { nucleus, agent, poll, queuedAtRestart };
  }

  it('before: without the cloud mark, the batches the nucleus held are lost (a gap in the numbers)', async () => {
    // Act
    const { nucleus, agent, poll } = await runOutageWithRestart(false);
    await poll();

    // Assess
    const { missing } = lastAndMissing(agent, nucleus.received);
    expect(missing).toEqual(Array.from({ length: 12 }, (_, i) => 3 + i));
    expect(agent.view().spooled).toBe(0);
    await agent.stop();
  });

  it('after: the component re-sends what the mark does not cover, every number arrives, and the spool empties', async () => {
    // Act: the component keeps polling; batches the nucleus lost are re-sent once overdue
    const { nucleus, agent, poll, queuedAtRestart } = await runOutageWithRestart(true);
    const spooledAtRestart = agent.view().spooled;
    await pollUntilCovered(agent, poll);

    // Assess: every number from 0 arrived (duplicates allowed, the ingest is idempotent per batch)
    const last = agent.view().nextBatchSeq - 1;
    expect(queuedAtRestart).toBeGreaterThanOrEqual(12);
    expect(spooledAtRestart).toBe(12);
    expect([...new Set(nucleus.received)].sort((a, b) => a - b)).toEqual(Array.from({ length: last + 1 }, (_, i) => i));
    expect(agent.view()).toMatchObject({ spooled: 0, unacked: 0, ackedThroughSeq: last });
    expect(agent.view().resent).toBeGreaterThan(0);
    await agent.stop();
  });

  it('keeps the spool bound with the mark: drops the oldest, and the mark passes the dropped numbers', async () => {
    // Act: a spool of 5 through the 12-batch outage
    const { nucleus, agent, poll } = await runOutageWithRestart(true, 5);
    await pollUntilCovered(agent, poll);

    // Assess: what never arrived is what the bound dropped (a dropped batch may have been sent before the mark covered
    // it, so it can be both counted and delivered); the mark did not wait for it
    const { last, missing } = lastAndMissing(agent, nucleus.received);
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.length).toBeLessThanOrEqual(agent.view().droppedBatches);
    expect(agent.view()).toMatchObject({ spooled: 0, ackedThroughSeq: last });
    await agent.stop();
  });
});
