import type { Ack } from '../../../../core/messages/ack.js';
import { ackSchema } from '../../../../core/messages/ack.js';
import type { Command } from '../../../../core/messages/command.js';
import type { MessagingPort } from '../../../adapters/messaging/port.js';
import {
  AckPublisher,
  finalAck,
  gatewayStatus,
  receivedAck,
  StatusPublisher,
  type SwitchAgentView,
} from '../src/acks-and-status.js';

const T0 = Date.parse('2026-07-01T15:00:00Z');
const command = {
  commandId: '00000000-0000-4000-8000-000000000001',
  siteId: 'site-west-1',
  seq: 4,
  issuedAt: new Date(T0 - 1000).toISOString(),
  validUntil: new Date(T0 + 60_000).toISOString(),
  taskToken: 'token-1',
  kind: 'restore',
  payload: { reason: 'test' },
} as Command;

/** A broker connection that takes publishes while `up`, and records what it took. */
function fakeMessaging() {
  const published: Array<{ topic: string; payload: string; qos: number }> = [];
  const state = { up: true };
  const port = {
    publish: async (_channel: string, topic: string, payload: string, qos: 0 | 1) => {
      if (!state.up) throw new Error('offline');
      published.push({ topic, payload, qos });
    },
  } as unknown as MessagingPort;
  return { port, published, state };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SwitchAgent acks', () => {
  it('acks receipt, then execution with how long it took, echoing the task token', () => {
    // Act
    const received = receivedAck(command, T0);
    const executed = finalAck(command, { sent: 3, accepted: 3, failed: 0 }, T0, T0 + 250);

    // Assess
    expect(ackSchema.parse(received)).toMatchObject({ status: 'received', reason: 'ok', taskToken: 'token-1', seq: 4 });
    expect(ackSchema.parse(executed)).toMatchObject({
      status: 'executed',
      reason: 'ok',
      timings: {
        receivedAt: new Date(T0).toISOString(),
        executedAt: new Date(T0 + 250).toISOString(),
        executionMs: 250,
      },
    });
  });

  it('reports a partial switch as executed with a detail, and a switch no device accepted as a device failure', () => {
    // Act
    const partial = finalAck(command, { sent: 4, accepted: 3, failed: 1 }, T0, T0 + 10);
    const none = finalAck(command, { sent: 2, accepted: 0, failed: 2 }, T0, T0 + 10);
    const nothingToSwitch = finalAck(command, { sent: 0, accepted: 0, failed: 0 }, T0, T0 + 10);

    // Assess
    expect(partial).toMatchObject({
      status: 'executed',
      reason: 'partially-applied',
      detail: '1 of 4 devices did not accept',
    });
    expect(none).toMatchObject({
      status: 'rejected',
      reason: 'device-failure',
      timings: { receivedAt: new Date(T0).toISOString() },
    });
    expect(none.timings.executedAt).toBeUndefined();
    expect(nothingToSwitch).toMatchObject({ status: 'executed', reason: 'ok' });
  });

  it('keeps an ack pending (and saved) until the broker takes it, and sends the pending ones again on start', async () => {
    // Prepare
    const { port, published, state } = fakeMessaging();
    const memory = { pendingAcks: [] as Ack[] };
    const saves: number[] = [];
    const acks = new AckPublisher(
      port,
      'hcp/v1/sites/site-west-1/acks',
      memory,
      () => saves.push(memory.pendingAcks.length),
      () => {},
    );
    state.up = false;

    // Act
    acks.send(receivedAck(command, T0));
    await settle();
    const pendingWhileDown = memory.pendingAcks.length;
    state.up = true;
    acks.resendPending();
    await settle();

    // Assess: saved with the ack pending, then saved again once the broker took it
    expect(pendingWhileDown).toBe(1);
    expect(published).toEqual([expect.objectContaining({ topic: 'hcp/v1/sites/site-west-1/acks', qos: 1 })]);
    expect(memory.pendingAcks).toEqual([]);
    expect(saves).toEqual([1, 0]);
  });

  it('writes nothing once closed, even when a late PUBACK clears an ack', async () => {
    // Prepare
    const { port } = fakeMessaging();
    const memory = { pendingAcks: [] as Ack[] };
    let saves = 0;
    const acks = new AckPublisher(
      port,
      'acks',
      memory,
      () => saves++,
      () => {},
    );

    // Act
    acks.send(receivedAck(command, T0));
    acks.close();
    await settle();

    // Assess: the send itself saved; the PUBACK after close did not
    expect(saves).toBe(1);
    expect(memory.pendingAcks).toEqual([]);
  });
});

describe('SwitchAgent status', () => {
  const view: SwitchAgentView = {
    lastSeq: 4,
    highestEpoch: 1,
    awaitingResync: false,
    stateWriteFailures: 0,
    planVersion: 7,
    mode: 'curtail-asics',
    fallbackReason: 'heartbeat-missing',
    heldGroups: ['a'],
    targets: { m1: false },
    devices: { confirmed: 1, accepted: 0, pending: 0, drifted: 1 },
    drifted: ['m2'],
    failures: {},
    executions: 2,
    lastHeartbeatMs: T0,
  };

  it('says what the gateway is doing, the drifted devices counted', () => {
    expect(gatewayStatus('site-west-1', T0, view)).toEqual({
      siteId: 'site-west-1',
      at: new Date(T0).toISOString(),
      mode: 'curtail-asics',
      fallbackReason: 'heartbeat-missing',
      planVersion: 7,
      lastSeq: 4,
      heldGroups: ['a'],
      devices: view.devices,
      drifted: 1,
    });
  });

  it('publishes at QoS 0 at most once per period', () => {
    // Prepare
    const { port, published } = fakeMessaging();
    const status = new StatusPublisher(port, 'hcp/v1/sites/site-west-1/heartbeat', 'site-west-1', 30_000, () => {});

    // Act
    for (const ms of [0, 10_000, 29_999, 30_000, 45_000, 60_000]) status.offer(T0 + ms, () => view);

    // Assess
    expect(published.map((p) => [JSON.parse(p.payload).at, p.qos])).toEqual([
      [new Date(T0).toISOString(), 0],
      [new Date(T0 + 30_000).toISOString(), 0],
      [new Date(T0 + 60_000).toISOString(), 0],
    ]);
  });
});
