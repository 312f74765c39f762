import type { Ack } from '../../core/messages/ack.js';
import type { Command, SiteMode } from '../../core/messages/command.js';
import { siteTopic } from '../../core/messages/topics.js';
import { synthesizeControlFlows } from '../integration/flows/control-flows-stack.js';
import { recordFigure } from './support/figures.js';
import { type MqttRelay, type RelayAction, startMqttRelay } from './support/mqtt-relay.js';
import {
  ASIC_GROUPS,
  countOn,
  eventually,
  overrideRequest,
  SITE_ID,
  type SiteHarness,
  startSiteHarness,
} from './support/site-harness.js';

/**
 * Acks lost, duplicated, reordered or late, and commands replayed or expired, between the real SwitchFlow (ASL on the
 * local runner, acks through the real ack use case) and the real gateway. Acks and commands pass through relays a
 * test controls; the flow's ack wait is the fixture's (heartbeat 1 s, timeout 2 s).
 */

const RAW_ACKS = `hcp/v1/sites/${SITE_ID}/acks-raw`;
const RELAYED_COMMANDS = `hcp/v1/sites/${SITE_ID}/commands-relayed`;

let h: SiteHarness;
let ackRelay: MqttRelay;
let commandRelay: MqttRelay;
let ackPolicy: (ack: Ack) => RelayAction = () => 'pass';
let commandPolicy: (command: Command) => RelayAction = () => 'pass';

beforeAll(async () => {
  h = await startSiteHarness(synthesizeControlFlows(), {
    gatewayAckTopic: RAW_ACKS,
    gatewayCommandTopic: RELAYED_COMMANDS,
    switchAgent: { heartbeatTimeoutMs: 86_400_000 },
  });
  ackRelay = await startMqttRelay(h.cloud, { from: RAW_ACKS, to: siteTopic(SITE_ID, 'acks') }, (p) =>
    ackPolicy(JSON.parse(p) as Ack),
  );
  commandRelay = await startMqttRelay(h.cloud, { from: siteTopic(SITE_ID, 'commands'), to: RELAYED_COMMANDS }, (p) =>
    commandPolicy(JSON.parse(p) as Command),
  );
  await h.restartGateway();
  expect(await h.applyFirstPlan()).toMatchObject({ status: 'SUCCEEDED' });
});

afterEach(() => {
  ackPolicy = () => 'pass';
  commandPolicy = () => 'pass';
});

afterAll(async () => {
  await h?.stop();
});

const override = (mode: SiteMode) => overrideRequest(h, mode);
const lastCommand = () => h.commands.filter((c) => c.taskToken).at(-1)!;
const asicsOn = () => ASIC_GROUPS.reduce((n, g) => n + countOn(h.awake(g)), 0);
const handlings = (kind: string) => h.ackHandlings.filter((x) => x === kind).length;
const commitsOf = (commandId: string) =>
  h.audit.filter((e) => e.action === 'switch.commit' && e.detail.commandId === commandId).length;

describe('acks lost, duplicated, reordered or late', () => {
  it('commits once when every ack arrives twice; the duplicates are counted late-or-duplicate', async () => {
    // Prepare
    ackPolicy = () => 'duplicate';
    const lateBefore = handlings('late-or-duplicate');

    // Act
    const result = await h.runSwitchFlow(override('all-off'));
    await eventually(() => handlings('late-or-duplicate') > lateBefore);

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { ack: { status: 'executed' } } });
    expect(commitsOf(lastCommand().commandId)).toBe(1);
    expect(handlings('late-or-duplicate')).toBeGreaterThan(lateBefore);
    expect(await h.controlPlane.switchStates.get(SITE_ID)).toMatchObject({ status: 'committed' });
    expect(asicsOn()).toBe(0);
  });

  it('commits when the executed ack overtakes the received ack', async () => {
    // Prepare
    ackPolicy = () => 'hold';

    // Act
    const running = h.runSwitchFlow(override('all-on'));
    expect(await eventually(() => ackRelay.held().length === 2)).toBe(true);
    await ackRelay.release((held) => [...held].reverse());
    const result = await running;

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { ack: { status: 'executed' } } });
    expect(commitsOf(lastCommand().commandId)).toBe(1);
    expect(asicsOn()).toBe(h.fleet.miners.length);
  });

  it('compensates when the executed ack is lost; the gateway ends in the safe mode the compensation sent', async () => {
    // Prepare
    ackPolicy = (ack) => (ack.status === 'executed' && ack.taskToken ? 'drop' : 'pass');

    // Act
    const result = await h.runSwitchFlow(override('all-off'));
    const safeMode = h.commands.at(-1)!;
    await eventually(() => h.gateway.state().switchAgent.lastSeq === safeMode.seq);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated' });
    expect(await h.controlPlane.switchStates.get(SITE_ID)).toMatchObject({
      status: 'safe-mode',
      error: 'States.HeartbeatTimeout',
    });
    expect(safeMode).toMatchObject({ kind: 'set-mode', payload: { mode: 'curtail-asics' } });
    expect(h.gateway.state().switchAgent.mode).toBe('curtail-asics');
    expect(asicsOn()).toBe(0);
    expect(commitsOf(lastCommand().commandId)).toBe(0);
  });

  it('ignores an executed ack that arrives after the flow timed out: counted late, nothing committed', async () => {
    // Prepare
    ackPolicy = (ack) => (ack.status === 'executed' && ack.taskToken ? 'hold' : 'pass');
    const lateBefore = handlings('late-or-duplicate');

    // Act
    const result = await h.runSwitchFlow(override('all-on'));
    const stateBeforeLateAck = await h.controlPlane.switchStates.get(SITE_ID);
    await ackRelay.release();
    await eventually(() => handlings('late-or-duplicate') > lateBefore);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated' });
    expect(handlings('late-or-duplicate')).toBe(lateBefore + 1);
    expect(await h.controlPlane.switchStates.get(SITE_ID)).toEqual(stateBeforeLateAck);
    expect(stateBeforeLateAck).toMatchObject({ status: 'safe-mode' });
  });
});

describe('commands replayed or expired', () => {
  it('answers a replayed command from memory (repeated ack) and switches nothing', async () => {
    // Prepare
    const executed = h.commands.filter((c) => c.taskToken)[1]!;
    h.ledger.reset();
    const lastSeq = h.gateway.state().switchAgent.lastSeq;
    const acksBefore = ackRelay.seen.length;

    // Act
    await commandRelay.replay(JSON.stringify(executed));
    await commandRelay.replay(JSON.stringify({ ...executed, validUntil: new Date(h.clock.nowMs() + 1).toISOString() }));
    expect(await eventually(() => ackRelay.seen.length >= acksBefore + 2)).toBe(true);

    // Assess
    const answers = ackRelay.seen.slice(acksBefore).map((s) => JSON.parse(s.payload) as Ack);
    expect(answers).toEqual([
      expect.objectContaining({ commandId: executed.commandId, status: 'executed', repeated: true }),
      expect.objectContaining({ commandId: executed.commandId, status: 'rejected', reason: 'duplicate-command' }),
    ]);
    expect(h.ledger.totals().commands).toBe(0);
    expect(h.gateway.state().switchAgent.lastSeq).toBe(lastSeq);
  });

  it('refuses a command delivered after its validUntil (expired ack) and the flow compensates', async () => {
    // Prepare: the command sits in the relay while 100 simulated seconds pass (commands are valid for 90).
    commandPolicy = (command) => (command.taskToken ? 'hold' : 'pass');
    const lastSeq = h.gateway.state().switchAgent.lastSeq;

    // Act
    const running = h.runSwitchFlow(override('all-off'));
    expect(await eventually(() => commandRelay.held().length === 1)).toBe(true);
    h.clock.advanceMs(100_000);
    await commandRelay.release();
    const result = await running;

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated' });
    expect(await h.controlPlane.switchStates.get(SITE_ID)).toMatchObject({ status: 'safe-mode', error: 'Ack.Expired' });
    const expired = lastCommand();
    expect(ackRelay.seen.map((s) => JSON.parse(s.payload) as Ack)).toContainEqual(
      expect.objectContaining({ commandId: expired.commandId, status: 'expired' }),
    );
    // The expired command did not run: the next command the gateway accepted is the compensation's safe mode.
    expect(await eventually(() => h.gateway.state().switchAgent.lastSeq === expired.seq + 1)).toBe(true);
    expect(h.gateway.state().switchAgent.lastSeq).toBeGreaterThan(lastSeq);
    recordFigure('acks.late-or-duplicate', handlings('late-or-duplicate'), 'acks refused by the token registry');
  });
});
