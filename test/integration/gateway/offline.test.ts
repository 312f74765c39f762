import net from 'node:net';
import type { Ack } from '../../../core/messages/ack.js';
import type { TelemetryBatch } from '../../../core/messages/telemetry.js';
import { siteTopic } from '../../../core/messages/topics.js';
import { until } from '../../support/until.js';
import { count, type Harness, planWith, SITE_ID, startHarness } from './harness.js';

/** A TCP relay in front of the broker that can be cut: the gateway loses the broker while the cloud side does not. */
async function startCuttableRelay(targetPort: number) {
  const sockets = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    cut() {
      cut = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      cut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('Telemetry offline spool', () => {
  let h: Harness;
  let relay: Awaited<ReturnType<typeof startCuttableRelay>>;

  beforeEach(async () => {
    h = await startHarness({ asics: 12, gpuNodes: 1 });
    relay = await startCuttableRelay(h.broker.port);
  });
  afterEach(async () => {
    await h.stop();
    await relay.close();
  });

  it('starts with the broker unreachable, spools, and takes commands once the broker is there', async () => {
    // Prepare
    const received: TelemetryBatch[] = [];
    h.cloud.on('message', (topic, payload) => {
      if (topic === siteTopic(SITE_ID, 'telemetry')) received.push(JSON.parse(payload.toString()) as TelemetryBatch);
    });
    await h.cloud.subscribeAsync(siteTopic(SITE_ID, 'telemetry'), { qos: 1 });
    relay.cut();

    // Act: the gateway starts with no broker, polls twice, then the broker becomes reachable
    await h.startGateway({ brokerUrl: relay.url, config: { telemetry: { pollPeriodMs: 10_000 } } });
    const connectedAtStart = h.gateway.state().connected;
    for (let step = 0; step < 2; step++) {
      h.clock.advanceMs(10_000);
      await h.gateway.tick();
      await h.gateway.pollTelemetry();
    }
    const spooledOffline = h.gateway.state().telemetry.spooled;
    relay.restore();
    await until('the gateway to connect', () => h.gateway.state().connected);
    // Subscriptions made while offline take effect on connect: a command reaches the SwitchAgent and is acked. The
    // SUBACK may trail the CONNACK, so the cloud sends again until acked, as SwitchFlow's retries would.
    const apply = h.command('apply-plan', { plan: planWith([{}, {}, {}]) });
    const acked = (acks: Ack[]) => acks.some((a) => a.commandId === apply.commandId && a.status === 'executed');
    await until('the command to be executed once subscribed', async () => {
      await h.send(apply);
      return h.waitForAcks(acked, 1000).then(
        () => true,
        () => false,
      );
    });
    await until('both spooled batches', () => received.length >= 2, { detail: () => received.length });

    // Assess
    expect(connectedAtStart).toBe(false);
    expect(spooledOffline).toBe(2);
    expect(received.map((b) => b.batchSeq)).toEqual([0, 1]);
  });

  it('delivers every batch exactly once, in order, after a 10-minute outage while local curtailment keeps working', async () => {
    // Prepare
    const received: TelemetryBatch[] = [];
    h.cloud.on('message', (topic, payload) => {
      if (topic === siteTopic(SITE_ID, 'telemetry')) received.push(JSON.parse(payload.toString()) as TelemetryBatch);
    });
    await h.cloud.subscribeAsync(siteTopic(SITE_ID, 'telemetry'), { qos: 1 });
    await h.startGateway({ brokerUrl: relay.url, config: { telemetry: { pollPeriodMs: 10_000 } } });
    const apply = h.command('apply-plan', { plan: planWith([{}, {}, {}]) });
    await h.send(apply);
    await h.waitForAcks((acks) => acks.some((a) => a.commandId === apply.commandId && a.status === 'executed'));
    await h.gateway.pollTelemetry();
    await h.gateway.telemetry.flush();

    // Act: the broker is unreachable for 10 simulated minutes of 10-second polls.
    relay.cut();
    await until('the gateway to see the cut', () => !h.gateway.state().connected);
    for (let step = 1; step <= 60; step++) {
      h.clock.advanceMs(10_000);
      if (step === 30) await h.signal({ kind: 'price', priceUsdPerMwh: 120 });
      await h.gateway.tick();
      await h.gateway.pollTelemetry();
    }
    const spooled = h.gateway.state().telemetry.spooled;
    const curtailedOffline = count(h.awake('west-s21-a')) + count(h.awake('west-s19xp-a'));
    relay.restore();
    const total = h.gateway.state().telemetry.nextBatchSeq;
    await until('every spooled batch', () => received.length >= total, { detail: () => received.length });
    // One more batch after the backlog: QoS 1 keeps a publisher's order, so a duplicate of the backlog would have come
    // before it. Waiting for it, not for a while, is what lets "exactly once" be asserted.
    await h.gateway.pollTelemetry();
    await h.gateway.telemetry.flush();
    await until('the batch after the backlog', () => received.some((b) => b.batchSeq === total));
    const backlog = received.slice(0, -1);

    // Assess
    expect(spooled).toBe(60);
    expect(curtailedOffline).toBe(0);
    expect(backlog.map((b) => b.batchSeq)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(received.every((b) => b.droppedBatches === 0)).toBe(true);
    expect(h.gateway.state().telemetry).toMatchObject({ spooled: 0, droppedBatches: 0 });
    // Telemetry saw the curtailment: S21 metrics after the spike read sleeping.
    const last = backlog.at(-1)!;
    expect(last.metrics.filter((m) => m.groupId === 'west-s21-a').every((m) => m.state === 'sleeping')).toBe(true);
  });
});
