import { SAFE_MODE } from '../../../core/switching/command.js';
import { SWITCH_STATES } from '../../../functions/shared/flow-states.js';
import {
  type CfnTemplate,
  createStateMachineRunner,
  type LocalTaskHandler,
} from '../../../sim/local/stepfunctions/index.js';
import { until } from '../../support/until.js';
import { type AckWait, PATIENT_ACK_WAIT, synthesizeControlFlows } from './control-flows-stack.js';
import { type FlowHarness, planFor, startFlowHarness } from './harness.js';

/**
 * SwitchFlow as CDK synthesizes it, run by aws-local-stepfunctions against DynamoDB Local, with its command going
 * over the aedes broker to a stand-in gateway whose acks come back through the real ack use case.
 */

const SITES = {
  ok: 'site-ok',
  rejecting: 'site-rejecting',
  silent: 'site-silent',
  stalling: 'site-stalling',
  flaky: 'site-flaky',
  broken: 'site-broken',
  busy: 'site-busy',
} as const;

/** A silent gateway meets a short heartbeat; a patient timeout keeps the heartbeat the only way out. */
const SILENT_ACK_WAIT: AckWait = { heartbeatMs: 1_000, timeoutMs: 60_000 };
/** A stalling gateway heartbeats every 200 ms, far inside 3 s, so only the 6 s timeout can end its wait. */
const STALL_ACK_WAIT: AckWait = { heartbeatMs: 3_000, timeoutMs: 6_000 };

let templates: Record<'patient' | 'silent' | 'stall', CfnTemplate>;
let harness: FlowHarness;
const drainAttempts = new Map<string, number>();
const prepareAttempts = new Map<string, number>();

beforeAll(async () => {
  templates = {
    patient: synthesizeControlFlows(PATIENT_ACK_WAIT),
    silent: synthesizeControlFlows(SILENT_ACK_WAIT),
    stall: synthesizeControlFlows(STALL_ACK_WAIT),
  };
  harness = await startFlowHarness();
  harness.setBehaviour(SITES.rejecting, 'reject');
  harness.setBehaviour(SITES.silent, 'silent');
  harness.setBehaviour(SITES.stalling, 'stall');
  const sites = Object.fromEntries(Object.values(SITES).map((siteId) => [siteId, 10]));
  const saved = await harness.plans.save(planFor(1, sites, Date.now()));
  expect(saved.ok).toBe(true);
});

afterAll(async () => {
  await harness?.stop();
});

class TransientError extends Error {
  override name = 'ProvisionedThroughputExceededException';
}

function countingCall(counter: Map<string, number>, event: { siteId: string }) {
  const attempt = (counter.get(event.siteId) ?? 0) + 1;
  counter.set(event.siteId, attempt);
  return attempt;
}

function switchFlowRunner(template = templates.patient) {
  const { taskHandlers: steps, tokenTasks } = harness.controlPlane.switchFlow;
  const taskHandlers: Record<string, LocalTaskHandler> = {
    ...steps,
    // The flaky site's drain fails twice before it works; the broken site's command can never be prepared.
    [SWITCH_STATES.drain]: async (event: { siteId: string }) => {
      const attempt = countingCall(drainAttempts, event);
      if (event.siteId === SITES.flaky && attempt <= 2) throw new TransientError('throttled');
      return steps[SWITCH_STATES.drain]!(event, undefined as never);
    },
    [SWITCH_STATES.prepare]: async (event: { siteId: string }) => {
      countingCall(prepareAttempts, event);
      if (event.siteId === SITES.broken) throw new TransientError('throttled, every time');
      return steps[SWITCH_STATES.prepare]!(event, undefined as never);
    },
  };
  const retryIntervalOverrides = Object.fromEntries(
    [
      SWITCH_STATES.acquireLock,
      SWITCH_STATES.drain,
      SWITCH_STATES.prepare,
      SWITCH_STATES.publish,
      SWITCH_STATES.commit,
      SWITCH_STATES.release,
      SWITCH_STATES.compensate,
      SWITCH_STATES.releaseAfterFailure,
    ].map((state) => [state, 10]),
  );
  return createStateMachineRunner({
    template,
    logicalIdPrefix: 'SwitchFlow',
    registry: harness.registry,
    taskHandlers,
    tokenTasks,
    retryIntervalOverrides,
  });
}

const commandsOf = (siteId: string) => harness.commands.filter((c) => c.siteId === siteId);

describe('SwitchFlow on the local runner', () => {
  it('switches a site that acks: command with token and seq, committed, lock released', async () => {
    // Prepare
    const runner = switchFlowRunner();

    // Act
    const result = await runner.start({ siteId: SITES.ok, planVersion: 1 });

    // Assess
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: {
        siteId: SITES.ok,
        requestedBy: 'optimizer',
        ack: { status: 'executed', siteId: SITES.ok },
        release: { released: true },
      },
    });
    const [command] = commandsOf(SITES.ok);
    expect(command).toMatchObject({
      kind: 'apply-plan',
      seq: 1,
      taskToken: expect.stringMatching(/^local-task-token-/),
    });
    expect(Date.parse(command!.validUntil)).toBeGreaterThan(Date.parse(command!.issuedAt));
    expect(await harness.switchStates.get(SITES.ok)).toMatchObject({ status: 'committed', seq: 1, planVersion: 1 });
    expect(await harness.lockOf(SITES.ok)).toBeUndefined();
    expect(harness.metrics.succeeded).toContain(SITES.ok);
    expect(harness.audit).toContainEqual(expect.objectContaining({ action: 'switch.commit', siteId: SITES.ok }));
  });

  it('counts the repeated ack of a settled command as late-or-duplicate and changes nothing', async () => {
    // Prepare: the previous test's gateway sent the executed ack twice.
    await until('the repeated ack to be handled', () => harness.ackHandlings.includes('late-or-duplicate'), {
      detail: () => harness.ackHandlings,
    });

    // Act
    const state = await harness.switchStates.get(SITES.ok);

    // Assess
    expect(harness.ackHandlings).toContain('settled');
    expect(harness.ackHandlings).toContain('late-or-duplicate');
    expect(state?.status).toBe('committed');
  });

  it('compensates a rejected command: safe-mode command without token, failure recorded, lock released', async () => {
    // Prepare
    const runner = switchFlowRunner();

    // Act
    const result = await runner.start({ siteId: SITES.rejecting, planVersion: 1 });

    // Assess: the flow ends once the broker took the safe-mode command; the stand-in gateway gets it just after.
    expect(result).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated' });
    const [rejected, safeMode] = await until('the safe-mode command at the gateway', () => {
      const commands = commandsOf(SITES.rejecting);
      return commands.length >= 2 && commands;
    });
    expect(rejected).toMatchObject({ kind: 'apply-plan', seq: 1 });
    expect(safeMode).toMatchObject({ kind: 'set-mode', seq: 2, payload: { mode: SAFE_MODE } });
    expect(safeMode).not.toHaveProperty('taskToken');
    expect(await harness.switchStates.get(SITES.rejecting)).toMatchObject({
      status: 'rejecting',
      error: 'Ack.Rejected',
    });
    expect(await harness.lockOf(SITES.rejecting)).toBeUndefined();
    expect(harness.metrics.failed).toContainEqual({ siteId: SITES.rejecting, error: 'Ack.Rejected' });
  });

  it('compensates when the gateway stays silent past the heartbeat', async () => {
    // Prepare
    const runner = switchFlowRunner(templates.silent);

    // Act
    const result = await runner.start({ siteId: SITES.silent, planVersion: 1 });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated' });
    expect(await harness.switchStates.get(SITES.silent)).toMatchObject({
      status: 'safe-mode',
      error: 'States.HeartbeatTimeout',
    });
    expect(await harness.lockOf(SITES.silent)).toBeUndefined();
  });

  it('compensates when the gateway heartbeats but never executes within TimeoutSeconds', async () => {
    // Prepare
    const runner = switchFlowRunner(templates.stall);

    // Act
    const result = await runner.start({ siteId: SITES.stalling, planVersion: 1 });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated' });
    expect(await harness.switchStates.get(SITES.stalling)).toMatchObject({
      status: 'safe-mode',
      error: 'States.Timeout',
    });
    expect(await harness.lockOf(SITES.stalling)).toBeUndefined();
  });

  it('retries a failing Lambda step with backoff and then switches', async () => {
    // Prepare
    const runner = switchFlowRunner();

    // Act
    const result = await runner.start({ siteId: SITES.flaky, planVersion: 1 });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(drainAttempts.get(SITES.flaky)).toBe(3);
    expect(await harness.switchStates.get(SITES.flaky)).toMatchObject({ status: 'committed' });
    expect(await harness.lockOf(SITES.flaky)).toBeUndefined();
  });

  it('compensates after the retries of a step that keeps failing are spent', async () => {
    // Prepare
    const runner = switchFlowRunner();

    // Act
    const result = await runner.start({ siteId: SITES.broken, planVersion: 1 });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'SwitchCompensated' });
    // One attempt and three retries (SWITCH_STEP_BACKOFF.maxRetries).
    expect(prepareAttempts.get(SITES.broken)).toBe(4);
    expect(await harness.switchStates.get(SITES.broken)).toMatchObject({
      status: 'safe-mode',
      error: 'ProvisionedThroughputExceededException',
    });
    const commands = await until(
      'the safe-mode command at the gateway',
      () => commandsOf(SITES.broken).length > 0 && commandsOf(SITES.broken),
    );
    expect(commands).toEqual([expect.objectContaining({ kind: 'set-mode' })]);
    expect(await harness.lockOf(SITES.broken)).toBeUndefined();
  });

  it('leaves a site whose lock another switch holds untouched, and that lock in place', async () => {
    // Prepare
    await harness.holdLock(SITES.busy, 'another-execution');
    const runner = switchFlowRunner();

    // Act
    const result = await runner.start({ siteId: SITES.busy, planVersion: 1 });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'SiteBusy' });
    expect(commandsOf(SITES.busy)).toEqual([]);
    expect(await harness.lockOf(SITES.busy)).toMatchObject({ ownerId: 'another-execution' });
    await harness.dropLock(SITES.busy);
  });

  it('refuses an invalid request without taking a lock', async () => {
    // Prepare
    const runner = switchFlowRunner();

    // Act
    const result = await runner.start({ siteId: SITES.ok });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'SwitchNotStarted' });
    expect(await harness.lockOf(SITES.ok)).toBeUndefined();
  });
});
