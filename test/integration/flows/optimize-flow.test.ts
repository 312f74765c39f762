import type { Context } from 'aws-lambda';
import { DynamoMarketSnapshotStore } from '../../../functions/shared/data/market-snapshot-store.js';
import { OPTIMIZE_STATES } from '../../../functions/shared/flow-states.js';
import {
  type CfnTemplate,
  createStateMachineRunner,
  type ExecutionResult,
} from '../../../sim/local/stepfunctions/index.js';
import { PATIENT_ACK_WAIT, synthesizeControlFlows } from './control-flows-stack.js';
import { type FlowHarness, marketSnapshot, startFlowHarness, TABLE_NAME } from './harness.js';

/**
 * OptimizeFlow as synthesized, on the local runner and DynamoDB Local: solve → persist a plan version → start a
 * SwitchFlow (itself run from the synthesized ASL) per site whose setpoints change.
 */

let template: CfnTemplate;
let harness: FlowHarness;
let market: DynamoMarketSnapshotStore;
const switches: Array<{ name: string; input: unknown; result: Promise<ExecutionResult> }> = [];

beforeAll(async () => {
  template = synthesizeControlFlows(PATIENT_ACK_WAIT);
  harness = await startFlowHarness();
  market = new DynamoMarketSnapshotStore({ client: harness.client, tableName: TABLE_NAME });
});

afterAll(async () => {
  await Promise.all(switches.map((s) => s.result));
  await harness?.stop();
});

const snapshot = marketSnapshot;

/** Fails the prepare step this many times with a transient error before letting it run. */
let prepareFailuresLeft = 0;
let prepareAttempts = 0;

function runners() {
  const { controlPlane, registry } = harness;
  const switchRunner = createStateMachineRunner({
    template,
    logicalIdPrefix: 'SwitchFlow',
    registry,
    ...controlPlane.switchFlow,
  });
  // Fire-and-forget, as `states:startExecution` is: the switch runs on, the dispatch run moves on.
  const optimize = controlPlane.optimizeFlow((input, name) => {
    switches.push({ name, input, result: switchRunner.start(input, { executionName: name }) });
  });
  const prepare = optimize.taskHandlers[OPTIMIZE_STATES.prepare]!;
  return createStateMachineRunner({
    template,
    logicalIdPrefix: 'OptimizeFlow',
    taskHandlers: {
      ...optimize.taskHandlers,
      [OPTIMIZE_STATES.prepare]: async (event: unknown, context: Context) => {
        prepareAttempts += 1;
        if (prepareFailuresLeft > 0) {
          prepareFailuresLeft -= 1;
          throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
        }
        return prepare(event, context);
      },
    },
    retryIntervalOverrides: { [OPTIMIZE_STATES.prepare]: 10, [OPTIMIZE_STATES.persist]: 10 },
  });
}

describe('OptimizeFlow on the local runner', () => {
  it('fails without switching anything when no market snapshot has been ingested', async () => {
    // Prepare
    const runner = runners();

    // Act
    const result = await runner.start({});

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'NoMarketData' });
    expect(await harness.plans.loadCurrent()).toBeUndefined();
    expect(switches).toEqual([]);
  });

  it('saves plan version 1 and starts one SwitchFlow per site, each of which switches its site', async () => {
    // Prepare
    await market.put(snapshot(Date.now(), 20));
    const runner = runners();

    // Act
    const result = await runner.start({});

    // Assess
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { persist: { planVersion: 1, switchCount: 3 } },
    });
    expect(switches.map((s) => s.name).sort()).toEqual(['site-north-1-v1', 'site-south-1-v1', 'site-west-1-v1']);
    expect(switches[0]!.input).toMatchObject({ planVersion: 1, requestedBy: 'optimizer' });
    const outcomes = await Promise.all(switches.map((s) => s.result));
    expect(outcomes.map((o) => o.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect((await harness.plans.loadCurrent())?.version).toBe(1);
    expect(await harness.switchStates.get('site-west-1')).toMatchObject({ status: 'committed', planVersion: 1 });
  });

  it('saves the next version but switches no site when no setpoint changes', async () => {
    // Prepare
    const started = switches.length;
    const runner = runners();

    // Act
    const result = await runner.start({});

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { persist: { planVersion: 2, switchCount: 0 } } });
    expect(switches).toHaveLength(started);
    expect((await harness.plans.loadCurrent())?.version).toBe(2);
  });

  it('switches only the site whose price moved its setpoints', async () => {
    // Prepare: a scarcity price at HB_WEST only.
    await market.put(snapshot(Date.now() + 1000, 4500));
    const started = switches.length;
    const runner = runners();

    // Act
    const result = await runner.start({});

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { persist: { planVersion: 3, switchCount: 1 } } });
    const newSwitches = switches.slice(started);
    expect(newSwitches.map((s) => s.name)).toEqual(['site-west-1-v3']);
    expect((await newSwitches[0]!.result).status).toBe('SUCCEEDED');
  });

  it('retries a failing prepare step with backoff and then dispatches', async () => {
    // Prepare
    await market.put(snapshot(Date.now() + 2000, 20));
    prepareFailuresLeft = 2;
    prepareAttempts = 0;
    const started = switches.length;
    const runner = runners();

    // Act
    const result = await runner.start({});

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { persist: { planVersion: 4, switchCount: 1 } } });
    expect(prepareAttempts).toBe(3);
    const outcomes = await Promise.all(switches.slice(started).map((s) => s.result));
    expect(outcomes.map((o) => o.status)).toEqual(['SUCCEEDED']);
  });

  it('leaves a site alone while its switch is still in progress', async () => {
    // Prepare: a switch of the south site is under way (drained, command out).
    await harness.switchStates.put({
      siteId: 'site-south-1',
      status: 'commanded',
      executionName: 'in-flight',
      updatedAt: new Date().toISOString(),
    });
    const started = switches.length;
    const runner = runners();

    // Act
    const result = await runner.start({});

    // Assess: the south site has no committed setpoints now, yet it is not started twice.
    expect(result.status).toBe('SUCCEEDED');
    expect(switches.slice(started).some((s) => s.name.startsWith('site-south-1'))).toBe(false);
    await harness.switchStates.put({
      siteId: 'site-south-1',
      status: 'committed',
      executionName: 'in-flight',
      updatedAt: new Date().toISOString(),
      planVersion: 1,
    });
  });

  it('succeeds as a dispatch run even when a site it started fails to switch (fire-and-forget)', async () => {
    // Prepare: the west gateway now rejects, and the price moves its setpoints again.
    harness.setBehaviour('site-west-1', 'reject');
    await market.put(snapshot(Date.now() + 3000, 4500));
    const started = switches.length;
    const runner = runners();

    // Act
    const result = await runner.start({});

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { persist: { planVersion: 6, switchCount: 1 } } });
    const [west] = switches.slice(started);
    expect(await west!.result).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated' });
    expect(await harness.switchStates.get('site-west-1')).toMatchObject({ status: 'rejecting', error: 'Ack.Rejected' });
    expect(await harness.lockOf('site-west-1')).toBeUndefined();
  });
});
