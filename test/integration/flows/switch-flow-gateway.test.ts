import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { connectAsync } from 'mqtt';
import type { Ack } from '../../../core/messages/ack.js';
import { siteTopic } from '../../../core/messages/topics.js';
import { buildSafeModeCommand } from '../../../core/switching/command.js';
import { DynamoSiteLockStore } from '../../../functions/shared/data/site-lock.js';
import { FIRST_EPOCH, type SwitchStateStore, sequenceKey } from '../../../functions/shared/data/switch-state-store.js';
import { SWITCH_STATES } from '../../../functions/shared/flow-states.js';
import { LocalCommandSigner } from '../../../functions/switching/adapters/local-command-signer.js';
import { MqttCommandPublisher } from '../../../functions/switching/adapters/mqtt-command-publisher.js';
import { signCommand } from '../../../functions/switching/sign-command.js';
import { createSwitchSteps, switchStepHandlers } from '../../../functions/switching/steps.js';
import { type RunningGateway, startGateway } from '../../../iot-greengrass/gateway.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';
import {
  type CfnTemplate,
  createStateMachineRunner,
  type LocalTaskHandler,
} from '../../../sim/local/stepfunctions/index.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';
import { until } from '../../support/until.js';
import { LADDER, planWith, SITE, SITE_ID } from '../gateway/harness.js';
import { PATIENT_ACK_WAIT, synthesizeControlFlows } from './control-flows-stack.js';
import { type FlowHarness, startFlowHarness, TABLE_NAME } from './harness.js';

/**
 * The switching contract end to end: SwitchFlow from the synthesized ASL, the real gateway (SwitchAgent over MQTT)
 * and the virtual miners it drives. The cloud's command, sequence number, validity and task token, and the gateway's
 * acks, must agree for the flow to end where it is documented to.
 */

let template: CfnTemplate;
let harness: FlowHarness;
let fleet: VirtualFleet;
let gateway: RunningGateway;
let stateDir: string;

beforeAll(async () => {
  template = synthesizeControlFlows(PATIENT_ACK_WAIT);
  harness = await startFlowHarness();
  // The stand-in gateway stays quiet for this site: the real one answers.
  harness.setBehaviour(SITE_ID, 'silent');
  fleet = await startVirtualFleet({
    asics: 24,
    gpuNodes: 2,
    seed: 11,
    clock: harness.clock,
    site: SITE_ID,
    gpuAutoTickMs: 0,
  });
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-flow-gateway-'));
  gateway = await startSwitchingGateway();
});

const startSwitchingGateway = () =>
  startGateway({
    siteId: SITE_ID,
    site: SITE,
    brokerUrl: harness.brokerUrl,
    devices: fleet.endpoints,
    stateDir,
    clock: harness.clock,
    autoTick: false,
    // Signed commands only: the gateway lists the control plane's public key.
    config: { switchAgent: { heartbeatTimeoutMs: 3_600_000, ladder: LADDER, commandKeys: [harness.commandKey] } },
  });

afterAll(async () => {
  await gateway?.stop();
  await fleet?.stop();
  await harness?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

const awake = (groupId: string) =>
  fleet.miners.filter((m) => m.item.groupId === groupId).map((m) => m.context.physics.isAwakeCommanded());
const count = (flags: boolean[]) => flags.filter(Boolean).length;

function runner() {
  return createStateMachineRunner({
    template,
    logicalIdPrefix: 'SwitchFlow',
    registry: harness.registry,
    ...harness.controlPlane.switchFlow,
  });
}

describe('SwitchFlow with the real gateway', () => {
  it('applies a plan version on the site’s miners and commits on the gateway’s executed ack', async () => {
    // Prepare
    const plan = planWith([{ 'west-s19xp-a': 0.5, 'west-s21-a': 1 }], 1, Math.floor(Date.now() / 300_000) * 300_000);
    expect((await harness.plans.save(plan)).ok).toBe(true);

    // Act
    const result = await runner().start({ siteId: SITE_ID, planVersion: 1 });

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { ack: { status: 'executed', seq: 1 } } });
    const s19 = awake('west-s19xp-a');
    expect(count(s19)).toBe(Math.round(0.5 * s19.length));
    expect(count(awake('west-s21-a'))).toBe(awake('west-s21-a').length);
    expect(await harness.lockOf(SITE_ID)).toBeUndefined();
  });

  it('recovers within one resync when the site’s sequence item is rolled back after three switches', async () => {
    // Prepare: three switches in all (the first test made one), then the counter goes back to 1, as a point-in-time
    // restore of the table would leave it. Before the fix every later command was refused for good.
    for (let i = 0; i < 2; i++) {
      expect(await runner().start({ siteId: SITE_ID, planVersion: 1 })).toMatchObject({ status: 'SUCCEEDED' });
    }
    const gatewayLastSeq = gateway.state().switchAgent.lastSeq;
    expect(gatewayLastSeq).toBe(3);
    await harness.client.send(
      new PutCommand({ TableName: TABLE_NAME, Item: { ...sequenceKey(SITE_ID), lastSeq: 1, epoch: FIRST_EPOCH } }),
    );
    const failedBefore = harness.metrics.failed.length;

    // Act
    const result = await runner().start({ siteId: SITE_ID, planVersion: 1 });

    // Assess: refused once as stale (seq 2, with the gateway's lastSeq), resynchronised, executed as seq 4.
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: {
        resync: { attempts: 1, gatewayLastSeq },
        ack: { status: 'executed', seq: gatewayLastSeq + 1 },
      },
    });
    expect(gateway.state().switchAgent.lastSeq).toBe(gatewayLastSeq + 1);
    expect(harness.metrics.failed.length).toBe(failedBefore);
    expect(await harness.lockOf(SITE_ID)).toBeUndefined();
  });

  it('refuses a forged command before reading its sequence number, so seq 1016 locks nothing out', async () => {
    // Prepare: what the outside test sent, once unsigned and once signed by a key the gateway does not list.
    const before = gateway.state().switchAgent;
    const forger = LocalCommandSigner.generate(harness.commandKey.kid).signer;
    const forged = buildSafeModeCommand({
      siteId: SITE_ID,
      commandId: randomUUID(),
      seq: 1016,
      epoch: 99,
      nowMs: harness.clock.nowMs(),
      reason: 'forged',
    });
    const badlySigned = await signCommand({ ...forged, commandId: randomUUID() }, forger);
    const acks: Ack[] = [];
    const listener = await connectAsync(harness.brokerUrl, { clientId: 'forgery-acks', reconnectPeriod: 0 });
    listener.on('message', (_t, payload) => void acks.push(JSON.parse(payload.toString()) as Ack));
    await listener.subscribeAsync(siteTopic(SITE_ID, 'acks'), { qos: 1 });

    // Act
    for (const command of [forged, badlySigned]) {
      await listener.publishAsync(siteTopic(SITE_ID, 'commands'), JSON.stringify(command), { qos: 1 });
    }
    await until('both forgeries to be refused', () => acks.filter((a) => a.reason === 'bad-signature').length === 2, {
      detail: () => acks,
    });
    await listener.endAsync();
    const next = await runner().start({ siteId: SITE_ID, planVersion: 1 });

    // Assess: refused with the reason, counters untouched, and the cloud's next command goes through unresynchronised.
    expect(acks.map((a) => a.detail)).toEqual([
      'unsigned command',
      `signature does not verify under ${harness.commandKey.kid}`,
    ]);
    expect(gateway.state().switchAgent.executions).toBe(before.executions + 1);
    expect(next).toMatchObject({ status: 'SUCCEEDED', output: { ack: { seq: before.lastSeq + 1 } } });
    expect(next.output).not.toHaveProperty('resync');
  });

  it('never lets a fenced-out writer back in: its commands are refused and it does not resynchronise', async () => {
    // Prepare: a second control plane takes the site's lease (epoch 2) and switches; the first one still reads
    // epoch 1 with its counter (a stale replica) and tries to switch the site.
    const epoch = await harness.switchStates.advanceEpoch(SITE_ID);
    expect(await runner().start({ siteId: SITE_ID, planVersion: 1 })).toMatchObject({ status: 'SUCCEEDED' });
    const fencedMqtt = await connectAsync(harness.brokerUrl, { clientId: 'fenced-writer', reconnectPeriod: 0 });
    const stale: SwitchStateStore = {
      allocateSeq: async (siteId) => ({ ...(await harness.switchStates.allocateSeq(siteId)), epoch: epoch - 1 }),
      resyncSeq: (siteId, lastSeq) => harness.switchStates.resyncSeq(siteId, lastSeq),
      advanceEpoch: (siteId) => harness.switchStates.advanceEpoch(siteId),
      put: (state) => harness.switchStates.put(state),
      get: (siteId) => harness.switchStates.get(siteId),
    };
    const fenced = createSwitchSteps({
      locks: new DynamoSiteLockStore({ client: harness.client, tableName: TABLE_NAME, clock: harness.clock }),
      switchStates: stale,
      plans: harness.plans,
      // No override flows here: nothing to claim.
      overrides: { claimForCommand: async () => false },
      publisher: new MqttCommandPublisher(fencedMqtt),
      // The fenced writer holds a real key: fencing, not the signature, is what keeps it out.
      signer: harness.signer,
      metrics: { switchSucceeded: () => undefined, switchFailed: () => undefined },
      audit: { append: async () => undefined },
      clock: harness.clock,
      newId: randomUUID,
      lockTtlMs: 60_000,
    });
    const before = gateway.state().switchAgent;
    let resyncs = 0;

    // Act
    const result = await createStateMachineRunner({
      template,
      logicalIdPrefix: 'SwitchFlow',
      registry: harness.registry,
      taskHandlers: {
        ...switchStepHandlers(fenced),
        [SWITCH_STATES.resync]: (event: unknown) => {
          resyncs += 1;
          return fenced.resyncSequence(event);
        },
      } as Record<string, LocalTaskHandler>,
      tokenTasks: harness.controlPlane.switchFlow.tokenTasks,
    }).start({ siteId: SITE_ID, planVersion: 1 });
    await fencedMqtt.endAsync();

    // Assess: refused as stale-epoch (not stale-seq), so no resync ran; the gateway executed nothing of it.
    expect(result).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated' });
    expect(resyncs).toBe(0);
    expect(await harness.switchStates.get(SITE_ID)).toMatchObject({
      status: 'rejecting',
      error: 'Ack.Rejected',
      cause: expect.stringContaining('stale-epoch'),
    });
    expect(gateway.state().switchAgent).toMatchObject({ lastSeq: before.lastSeq, executions: before.executions });
    expect((await harness.switchStates.allocateSeq(SITE_ID)).epoch).toBe(epoch);
  });

  it('after a zero-length state file, takes commands again only through a resync with a fresh epoch', async () => {
    // Prepare: the gateway restarts on a state file a power cut left empty.
    await gateway.stop();
    writeFileSync(path.join(stateDir, 'switch-agent', 'state.json'), '');
    gateway = await startSwitchingGateway();
    const restarted = gateway.state().switchAgent;
    const epochBefore = (
      await harness.client.send(new GetCommand({ TableName: TABLE_NAME, Key: sequenceKey(SITE_ID) }))
    ).Item?.epoch as number;

    // Act
    const result = await runner().start({ siteId: SITE_ID, planVersion: 1 });

    // Assess: it started in its default mode awaiting a resync; the flow was refused once (resync-required), took a
    // fresh epoch and was then executed.
    expect(restarted).toMatchObject({ lastSeq: 0, awaitingResync: true, mode: 'curtail-asics' });
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { resync: { attempts: 1, epoch: epochBefore + 1 }, command: { epoch: epochBefore + 1 } },
    });
    const { ack } = result.output as { ack: { seq: number } };
    expect(gateway.state().switchAgent).toMatchObject({ awaitingResync: false, lastSeq: ack.seq });
  });

  it('feeds the gateway’s cloud watchdog with the market price relay', async () => {
    // Prepare
    const before = gateway.state().switchAgent.lastHeartbeatMs;
    // The relay's heartbeat must be stamped later than the last one: wait for the harness clock to move on.
    await until('the clock to pass the last heartbeat', () => harness.clock.nowMs() > before);
    const source = {
      name: 'fixed',
      snapshotAt: async (atMs: number) => marketSnapshotAt(atMs, { [SITE.marketNode]: 31 }),
    };

    // Act
    await harness.controlPlane.ingestMarket(source);

    // Assess
    await until('the relayed price to reach the gateway', () => gateway.state().switchAgent.lastHeartbeatMs !== before);
    expect(gateway.state().switchAgent.lastHeartbeatMs).toBeGreaterThan(before);
  });
});
