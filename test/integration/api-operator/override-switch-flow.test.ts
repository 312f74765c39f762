import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { ManualClock } from '../../../core/support/clock.js';
import { SWITCH_STATES } from '../../../functions/shared/flow-states.js';
import { type RunningGateway, startGateway } from '../../../iot-greengrass/gateway.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import type { ExecutionResult } from '../../../sim/local/stepfunctions/index.js';
import type { LocalControlPlane } from '../../../sim/platform/local-control-plane.js';
import { until } from '../../support/until.js';
import { LADDER, planWith, SITE, SITE_ID } from '../gateway/harness.js';
import { type OperatorApiHarness, startLocalSwitchFlow, startOperatorApi } from './harness.js';

/**
 * An operator's override end to end: POST through the local API adapter, the SwitchFlow from the synthesized ASL
 * (lock, ack wait, commit), the real gateway over MQTT and the virtual miners it drives, and the switch history and
 * site view read back through the API.
 */

let h: OperatorApiHarness;
let broker: RunningMqttBroker;
let cloud: MqttClient;
let controlPlane: LocalControlPlane;
let fleet: VirtualFleet;
let gateway: RunningGateway;
let stateDir: string;
let tick: NodeJS.Timeout;
/** Executions the API started, by name, as Step Functions would run them. */
const executions = new Map<string, Promise<ExecutionResult>>();
let runSwitchFlow: (input: unknown, executionName: string) => Promise<ExecutionResult>;
/** An override's flow held at a task state until the test releases it (the cancel race). */
let hold: { readonly state: string; readonly reached: () => void; readonly released: Promise<void> } | undefined;
/** The task input of an override's flow (not of a plan's): the request, the flow state, or the published command. */
const isOverrideFlow = (input: any) =>
  input?.request?.override !== undefined || input?.override !== undefined || input?.Payload?.kind === 'set-mode';

beforeAll(async () => {
  h = await startOperatorApi({
    tableName: 'hcp-operator-override-flow-test',
    switchFlows: {
      start: async (input, name) => {
        executions.set(name, runSwitchFlow(input, name));
        return { executionArn: `arn:aws:states:local:execution:SwitchFlow:${name}` };
      },
    },
  });
  broker = await startMqttBroker();
  cloud = await connectAsync(broker.url, { clientId: 'cloud', reconnectPeriod: 0 });
  const clock = new ManualClock(Date.now());
  tick = setInterval(() => clock.setMs(Date.now()), 5);
  // The platform's default switching audit: the hash-chained log and the site's switch history, on the API's table.
  ({ controlPlane, run: runSwitchFlow } = await startLocalSwitchFlow(h, cloud, clock, async (state, input) => {
    if (hold?.state !== state || !isOverrideFlow(input)) return;
    hold.reached();
    await hold.released;
  }));
  fleet = await startVirtualFleet({ asics: 24, gpuNodes: 2, seed: 5, clock, site: SITE_ID, gpuAutoTickMs: 0 });
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-operator-override-'));
  gateway = await startGateway({
    siteId: SITE_ID,
    site: SITE,
    brokerUrl: broker.url,
    devices: fleet.endpoints,
    stateDir,
    clock,
    autoTick: false,
    config: { switchAgent: { heartbeatTimeoutMs: 3_600_000, ladder: LADDER } },
  });
});

afterAll(async () => {
  clearInterval(tick);
  await gateway?.stop();
  await fleet?.stop();
  await cloud?.endAsync(true);
  await broker?.stop();
  await h?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

const awakeAsics = () => fleet.miners.filter((m) => m.context.physics.isAwakeCommanded()).length;

describe('cancelling a committed override when no plan is stored', () => {
  it('lifts the override through a restore SwitchFlow (overrideLifted): the gateway falls back to its default mode', async () => {
    // Prepare: nothing stored yet in this table; an all-off override committed on the gateway.
    expect(await controlPlane.plans.loadCurrent()).toBeUndefined();
    const expiresAt = new Date(Date.now() + 30 * 60_000).toISOString();
    const accepted = await h.call('POST', `/v1/sites/${SITE_ID}/overrides`, {
      body: { kind: 'set-mode', mode: 'all-off', reason: 'breaker inspection', expiresAt },
    });
    expect(await executions.get(accepted.body.executionName)).toMatchObject({ status: 'SUCCEEDED' });
    await gateway.tick();
    expect(gateway.state().switchAgent.mode).toBe('all-off');

    // Act
    const cancelled = await h.call('DELETE', `/v1/sites/${SITE_ID}/overrides/current`);
    const restored = await executions.get(cancelled.body.restoreExecutionName);
    await gateway.tick();

    // Assess: before, this answered planRestored and started no flow, so the gateway held all-off until expiry.
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ outcome: 'overrideLifted', restoreExecutionName: expect.any(String) });
    expect(restored).toMatchObject({ status: 'SUCCEEDED', output: { ack: { status: 'executed' } } });
    expect(gateway.state().switchAgent.mode).toBe('curtail-asics');
    expect(await controlPlane.switchStates.get(SITE_ID)).toMatchObject({ status: 'committed' });
  });
});

describe('an operator override through the real SwitchFlow and gateway', () => {
  it('forces the site all-off, commits on the gateway’s ack and shows up in the switch history and site view', async () => {
    // Prepare: the site runs a plan with every miner on (after the sequence numbers the test above used).
    const seqBefore = (await controlPlane.switchStates.get(SITE_ID))?.seq ?? 0;
    const plan = planWith([{}], 1, Math.floor(Date.now() / 300_000) * 300_000);
    expect((await controlPlane.plans.save(plan)).ok).toBe(true);
    expect(await runSwitchFlow({ siteId: SITE_ID, planVersion: 1 }, 'plan-v1')).toMatchObject({ status: 'SUCCEEDED' });
    await until('every miner awake', () => awakeAsics() === fleet.miners.length, { detail: awakeAsics });
    expect(awakeAsics()).toBe(fleet.miners.length);
    const expiresAt = new Date(Date.now() + 30 * 60_000).toISOString();
    const override = { kind: 'set-mode', mode: 'all-off', reason: 'breaker inspection', expiresAt };

    // Act
    const accepted = await h.call('POST', `/v1/sites/${SITE_ID}/overrides`, {
      principalId: 'operator-3',
      body: override,
    });
    const result = await executions.get(accepted.body.executionName);
    await until('every miner asleep', () => awakeAsics() === 0, { detail: awakeAsics });
    const switches = await h.call('GET', `/v1/sites/${SITE_ID}/switches?limit=5`);
    const site = await h.call('GET', `/v1/sites/${SITE_ID}`);

    // Assess
    expect(accepted.status).toBe(202);
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { ack: { status: 'executed' } } });
    expect(awakeAsics()).toBe(0);
    expect(switches.body.items[0]).toMatchObject({
      outcome: 'executed',
      action: 'switch.commit',
      kind: 'set-mode',
      actor: 'operator-3',
      executionName: accepted.body.executionName,
      seq: seqBefore + 2,
      commandId: expect.any(String),
      latencyMs: expect.any(Number),
    });
    expect(switches.body.items[1]).toMatchObject({ outcome: 'executed', kind: 'apply-plan', seq: seqBefore + 1 });
    expect(site.body.switching).toMatchObject({ status: 'committed', seq: seqBefore + 2, overrideUntil: expiresAt });
    expect(site.body.override).toMatchObject({ status: 'active', requestedBy: 'operator-3', override });
    expect(await controlPlane.switchStates.get(SITE_ID)).toMatchObject({ status: 'committed' });
  });

  it('refuses a customer’s override (403) and starts no flow', async () => {
    // Act
    const before = executions.size;
    const response = await h.call('POST', `/v1/sites/${SITE_ID}/overrides`, {
      role: 'customer-user',
      body: { kind: 'set-mode', mode: 'all-on', reason: 'x', expiresAt: new Date(Date.now() + 60_000).toISOString() },
    });

    // Assess
    expect(response.status).toBe(403);
    expect(executions.size).toBe(before);
    expect(awakeAsics()).toBe(0);
  });
});

describe('cancelling an override races its SwitchFlow, and the cancel wins', () => {
  let planVersion: number;

  beforeAll(async () => {
    // A plan with every miner on for the next hour, so no test here outlives it; the site switched onto it.
    planVersion = ((await controlPlane.plans.loadCurrent())?.version ?? 0) + 1;
    const plan = planWith(Array(12).fill({}), planVersion, Math.floor(Date.now() / 300_000) * 300_000);
    expect((await controlPlane.plans.save(plan)).ok).toBe(true);
    const applied = await runSwitchFlow({ siteId: SITE_ID, planVersion }, `plan-v${planVersion}`);
    expect(applied).toMatchObject({ status: 'SUCCEEDED' });
  });

  const overrideBody = () => ({
    kind: 'set-mode',
    mode: 'all-off',
    reason: 'breaker inspection',
    expiresAt: new Date(Date.now() + 30 * 60_000).toISOString(),
  });

  /** POSTs an all-off override, cancels it with its flow held at `state` (or after the flow ended), lets it go. */
  async function cancelDuring(state: string | 'after-commit') {
    let reached!: () => void;
    let release!: () => void;
    const atState = new Promise<void>((resolve) => {
      reached = resolve;
    });
    hold =
      state === 'after-commit'
        ? undefined
        : { state, reached, released: new Promise<void>((resolve) => (release = resolve)) };
    const accepted = await h.call('POST', `/v1/sites/${SITE_ID}/overrides`, { body: overrideBody() });
    const flow = executions.get(accepted.body.executionName)!;
    if (state === 'after-commit') expect(await flow).toMatchObject({ status: 'SUCCEEDED' });
    else await atState;
    const cancelled = await h.call('DELETE', `/v1/sites/${SITE_ID}/overrides/current`);
    release?.();
    hold = undefined;
    const results = await Promise.all([flow, executions.get(cancelled.body?.restoreExecutionName) ?? null]);
    return { accepted, cancelled, results };
  }

  /** The site runs the hour's plan (every miner on), nothing holds it, and a second cancel finds nothing to cancel. */
  async function expectBackOnPlan() {
    await until('every miner awake', () => awakeAsics() === fleet.miners.length, { detail: awakeAsics });
    const state = await controlPlane.switchStates.get(SITE_ID);
    const site = await h.call('GET', `/v1/sites/${SITE_ID}`);
    const again = await h.call('DELETE', `/v1/sites/${SITE_ID}/overrides/current`);
    expect(awakeAsics()).toBe(fleet.miners.length);
    expect(state).toMatchObject({ status: 'committed', planVersion });
    expect(state?.overrideUntil).toBeUndefined();
    expect(site.body.override).toMatchObject({ status: 'cancelled' });
    expect(again.status).toBe(404);
  }

  it('restores the plan through a SwitchFlow of its own when the override was committed', async () => {
    // Act
    const { cancelled, results } = await cancelDuring('after-commit');

    // Assess
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ outcome: 'planRestored', restoreExecutionName: expect.any(String) });
    expect(results[1]).toMatchObject({ status: 'SUCCEEDED' });
    await expectBackOnPlan();
  });

  it.each([
    ['before the lock', SWITCH_STATES.acquireLock],
    ['after the lock, before the command', SWITCH_STATES.prepare],
  ])('stops the override before its command is published when cancelled %s', async (_when, state) => {
    // Act
    const { accepted, cancelled, results } = await cancelDuring(state);
    const switches = await h.call('GET', `/v1/sites/${SITE_ID}/switches?limit=1`);

    // Assess
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ outcome: 'stoppedBeforeCommit' });
    expect(cancelled.body.restoreExecutionName).toBeUndefined();
    expect(results[0]).toMatchObject({ status: 'SUCCEEDED' });
    // The override's own flow applied the plan, not the override.
    expect(switches.body.items[0]).toMatchObject({
      executionName: accepted.body.executionName,
      kind: 'apply-plan',
      outcome: 'executed',
    });
    await expectBackOnPlan();
  });

  it('restores the plan after the override’s flow when cancelled while it waits for the gateway’s ack', async () => {
    // Act
    const { cancelled, results } = await cancelDuring(SWITCH_STATES.publish);

    // Assess
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ outcome: 'planRestored', restoreExecutionName: expect.any(String) });
    expect(results.map((result) => result?.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    await expectBackOnPlan();
  });
});
