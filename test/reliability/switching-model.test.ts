import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import type { Ack } from '../../core/messages/ack.js';
import type { Command, SiteMode } from '../../core/messages/command.js';
import { ManualClock } from '../../core/support/clock.js';
import { seededRng } from '../../core/support/random.js';
import { DynamoPlanStore } from '../../functions/shared/data/plan-store.js';
import { DynamoSiteLockStore, siteLockKey } from '../../functions/shared/data/site-lock.js';
import { DynamoSwitchStateStore, sequenceKey, switchStateKey } from '../../functions/shared/data/switch-state-store.js';
import { type AckDeps, handleAck } from '../../functions/switching/acks.js';
import { LocalCommandSigner } from '../../functions/switching/adapters/local-command-signer.js';
import { createSwitchSteps, type SwitchSteps } from '../../functions/switching/steps.js';
import type { MessagingPort } from '../../iot-greengrass/adapters/messaging/port.js';
import { type RunningGateway, startGateway } from '../../iot-greengrass/gateway.js';
import { startVirtualFleet, type VirtualFleet } from '../../sim/devices/fleet.js';
import { TaskTokenRegistry } from '../../sim/local/stepfunctions/index.js';
import { LocalTaskTokenClient } from '../../sim/local/stepfunctions/task-token-client.js';
import { LADDER, SITE, SITE_ID, T0_MS } from '../integration/gateway/harness.js';
import { type LocalTable, startLocalTable } from '../support/local-table.js';
import { recordFigure } from './support/figures.js';

/**
 * A model-based test of the switching protocol between SwitchFlow and the gateway (issue #9). The system under test is
 * real on both ends: the SwitchFlow steps (site lock, sequence counter, commit, compensation) on DynamoDB Local, the
 * ack use case settling tokens in the local registry, and the SwitchAgent switching virtual miners over TCP. Between
 * them sits a network the commands drive: it delivers, reorders, repeats or loses commands and acks, drops the
 * gateway's link (commands sent meanwhile are lost, as with a clean MQTT session; acks wait, as in mqtt.js's offline
 * queue) and restarts the gateway. The flow's ack timeout and the commands' validity run on a manual clock.
 *
 * Invariants after every step: no two switches in flight for the site (the lock refuses the second), no group with
 * devices in two modes (each group wholly on or off as the gateway's mode says), the gateway's mode is the mode of the
 * last command it accepted (a command is accepted at most once), and at the end the flow holds no lock.
 */

const MODES = ['all-on', 'all-off', 'gpu-only', 'curtail-asics'] as const satisfies readonly SiteMode[];
const ACK_TIMEOUT_MS = 120_000;
const VALID_FOR_MS = 90_000;
const TABLE = 'hcp-switching-model';
const NUM_RUNS = Number(process.env.HCP_MODEL_RUNS ?? 150);
const SEED = Number(process.env.HCP_MODEL_SEED ?? 20_261_128);

/** What the runs went through, for RELIABILITY.md: a model run that never reaches an outcome tests nothing. */
const tally = {
  commits: 0,
  compensations: 0,
  lockRefusals: 0,
  accepted: 0,
  refusedOrRepeated: 0,
  lostCommands: 0,
  restarts: 0,
};

// ---- the network between flow and gateway ----

/** The gateway's messaging port: acks go to `outbox` while the link is up, and wait for it while it is down. */
class Network implements MessagingPort {
  connected = true;
  readonly outbox: Ack[] = [];
  private waiting: Array<{ ack: Ack; resolve: () => void; reject: (e: Error) => void }> = [];
  private readonly listeners = new Set<(connected: boolean) => void>();

  async publish(_channel: string, topic: string, payload: string): Promise<void> {
    if (!topic.endsWith('/acks')) return;
    const ack = JSON.parse(payload) as Ack;
    if (this.connected) {
      this.outbox.push(ack);
      return;
    }
    await new Promise<void>((resolve, reject) => this.waiting.push({ ack, resolve, reject }));
  }
  async subscribe(): Promise<void> {}
  isConnected(): boolean {
    return this.connected;
  }
  onConnectionChange(listener: (connected: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async close(): Promise<void> {}
  setConnected(connected: boolean): void {
    this.connected = connected;
    if (connected) {
      for (const w of this.waiting) {
        this.outbox.push(w.ack);
        w.resolve();
      }
      this.waiting = [];
    }
    for (const l of this.listeners) l(connected);
  }
  /** A process restart: what mqtt.js held offline is gone (the agent's state file still has the acks). */
  dropWaiting(): void {
    for (const w of this.waiting) w.reject(new Error('client ended'));
    this.waiting = [];
  }
}

// ---- the model ----

interface SentCommand {
  readonly seq: number;
  readonly mode: SiteMode;
  readonly validUntilMs: number;
  readonly token?: string;
}

interface Model {
  nowMs: number;
  connected: boolean;
  nextSeq: number;
  /** Commands that reached the network while the link was up, in order; a delivery picks any of them. */
  sent: SentCommand[];
  lastSeq: number;
  /** The mode of the last command the gateway accepted; the default mode before any. */
  mode: SiteMode;
  acceptedSeqs: Set<number>;
  executionsSinceStart: number;
  inFlight?: { readonly token: string; readonly startedAtMs: number };
  flows: number;
  /** Commands run (those whose precondition held). */
  steps: number;
}

interface Real {
  readonly clock: ManualClock;
  readonly network: Network;
  readonly steps: SwitchSteps;
  readonly ackDeps: AckDeps;
  readonly registry: TaskTokenRegistry;
  readonly sent: Command[];
  readonly fleet: VirtualFleet;
  gateway: RunningGateway;
  restart(): Promise<void>;
  inFlight?: { state: Record<string, unknown>; command: Command; ownerId: string; result: Promise<unknown> };
}

const asicsOn = (mode: SiteMode) => mode === 'all-on';
const gpusOn = (mode: SiteMode) => mode !== 'all-off';

/** The flow's side after its wait ended: commit and release, or compensate and release. */
async function finishFlow(m: Model, r: Real, ended: { ok: true; output: unknown } | { ok: false; error: string }) {
  const flight = r.inFlight!;
  if (ended.ok) {
    await r.steps.commit({ ...flight.state, command: flight.command, ack: ended.output });
    tally.commits += 1;
  } else {
    tally.compensations += 1;
    const safe = await r.steps.compensate({ ...flight.state, command: flight.command, error: { Error: ended.error } });
    expect(safe.seq).toBe(m.nextSeq);
    if (m.connected) m.sent.push({ seq: m.nextSeq, mode: 'curtail-asics', validUntilMs: m.nowMs + VALID_FOR_MS });
    m.nextSeq += 1;
  }
  expect(await r.steps.releaseLock(flight.state)).toEqual({ released: true });
  r.inFlight = undefined;
  m.inFlight = undefined;
}

/** Whether the flow's wait has ended (an ack settled its token), without waiting for it. */
async function settled(r: Real): Promise<{ ok: true; output: unknown } | { ok: false; error: string } | undefined> {
  const flight = r.inFlight;
  if (!flight) return undefined;
  let outcome: { ok: true; output: unknown } | { ok: false; error: string } | undefined;
  flight.result.then(
    (output) => {
      outcome = { ok: true, output };
    },
    (error: Error) => {
      outcome = { ok: false, error: error.name };
    },
  );
  for (let i = 0; i < 5 && !outcome; i++) await Promise.resolve();
  return outcome;
}

function checkGateway(m: Model, r: Real): void {
  const view = r.gateway.state().switchAgent;
  expect({ lastSeq: view.lastSeq, mode: view.mode, executions: view.executions }).toEqual({
    lastSeq: m.lastSeq,
    mode: m.mode,
    executions: m.executionsSinceStart,
  });
  // No group in two modes: every miner of every group as the mode says, every GPU node's target too.
  for (const miner of r.fleet.miners) expect(miner.context.physics.isAwakeCommanded()).toBe(asicsOn(m.mode));
  for (const node of r.fleet.endpoints.filter((d) => d.kind === 'gpu')) {
    expect(view.targets[node.id]).toBe(gpusOn(m.mode));
  }
}

class StartSwitch implements fc.AsyncCommand<Model, Real> {
  constructor(readonly mode: SiteMode) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    m.steps += 1;
    m.flows += 1;
    const ownerId = `exec-${m.flows}`;
    const request = {
      siteId: SITE_ID,
      override: {
        kind: 'set-mode',
        mode: this.mode,
        reason: 'model',
        expiresAt: new Date(T0_MS + 864e5).toISOString(),
      },
      requestedBy: 'model',
    };
    let state: Record<string, unknown>;
    try {
      state = await r.steps.acquireLock({ request, ownerId });
    } catch (error) {
      // The site lock: a second switch is refused while one is in flight, and only then.
      expect({ error: (error as Error).name, inFlight: m.inFlight !== undefined }).toEqual({
        error: 'SiteLockHeld',
        inFlight: true,
      });
      tally.lockRefusals += 1;
      return;
    }
    expect(m.inFlight).toBeUndefined();
    await r.steps.drain(state);
    const command = await r.steps.prepareCommand(state);
    expect(command.seq).toBe(m.nextSeq);
    const { taskToken, result } = r.registry.issue({
      stateName: 'PublishCommandAndWaitForAck',
      executionName: ownerId,
    });
    result.catch(() => undefined);
    r.inFlight = { state, command, ownerId, result };
    m.inFlight = { token: taskToken, startedAtMs: m.nowMs };
    if (m.connected) {
      r.sent.push({ ...command, taskToken });
      m.sent.push({ seq: m.nextSeq, mode: this.mode, validUntilMs: m.nowMs + VALID_FOR_MS, token: taskToken });
    } else tally.lostCommands += 1;
    m.nextSeq += 1;
  }
  toString = () => `start(${this.mode})`;
}

class DeliverCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.connected && m.sent.length > 0;
  async run(m: Model, r: Real): Promise<void> {
    m.steps += 1;
    const index = this.pick % m.sent.length;
    const expected = m.sent[index]!;
    const command = r.sent[index]!;
    expect(command.seq).toBe(expected.seq);
    await r.gateway.switchAgent.handleCommand(JSON.stringify(command));
    // The gateway's rules, in its order: a known id is repeated, then stale, then expired, else executed once.
    if (!m.acceptedSeqs.has(expected.seq) && expected.seq > m.lastSeq && expected.validUntilMs > m.nowMs) {
      m.acceptedSeqs.add(expected.seq);
      m.lastSeq = expected.seq;
      m.mode = expected.mode;
      m.executionsSinceStart += 1;
      tally.accepted += 1;
    } else tally.refusedOrRepeated += 1;
    checkGateway(m, r);
  }
  toString = () => `deliverCommand(${this.pick})`;
}

class DeliverAck implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    m.steps += 1;
    const { outbox } = r.network;
    if (outbox.length === 0) return;
    // Any ack, any number of times: reordered, duplicated, late.
    await handleAck(outbox[this.pick % outbox.length], r.ackDeps);
    const ended = await settled(r);
    if (ended) await finishFlow(m, r, ended);
  }
  toString = () => `deliverAck(${this.pick})`;
}

class TimeOut implements fc.AsyncCommand<Model, Real> {
  check = (m: Readonly<Model>) => m.inFlight !== undefined;
  async run(m: Model, r: Real): Promise<void> {
    m.steps += 1;
    r.registry.closeExecution(r.inFlight!.ownerId);
    await finishFlow(m, r, { ok: false, error: 'States.HeartbeatTimeout' });
  }
  toString = () => 'timeout';
}

class AdvanceClock implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    m.steps += 1;
    m.nowMs += this.ms;
    r.clock.setMs(m.nowMs);
    await r.gateway.tick();
    // Step Functions ends a wait at its TimeoutSeconds whatever the network does.
    if (m.inFlight && m.nowMs - m.inFlight.startedAtMs >= ACK_TIMEOUT_MS) {
      r.registry.closeExecution(r.inFlight!.ownerId);
      await finishFlow(m, r, { ok: false, error: 'States.Timeout' });
    }
    checkGateway(m, r);
  }
  toString = () => `advance(${this.ms})`;
}

class SetLink implements fc.AsyncCommand<Model, Real> {
  constructor(readonly up: boolean) {}
  check = (m: Readonly<Model>) => m.connected !== this.up;
  async run(m: Model, r: Real): Promise<void> {
    m.steps += 1;
    m.connected = this.up;
    r.network.setConnected(this.up);
  }
  toString = () => (this.up ? 'reconnect' : 'disconnect');
}

class Restart implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    m.steps += 1;
    await r.restart();
    tally.restarts += 1;
    m.executionsSinceStart = 0;
    checkGateway(m, r);
  }
  toString = () => 'restart';
}

// ---- the run ----

let table: LocalTable;
let client: DynamoDBDocumentClient;
let fleet: VirtualFleet;
const clockForFleet = new ManualClock(T0_MS);

beforeAll(async () => {
  table = await startLocalTable(TABLE);
  client = table.client;
  fleet = await startVirtualFleet({
    asics: 6,
    gpuNodes: 1,
    seed: 3,
    clock: clockForFleet,
    site: SITE_ID,
    gpuAutoTickMs: 0,
  });
});

afterAll(async () => {
  await fleet?.stop();
  await table?.stop();
});

async function setup(): Promise<{ model: Model; real: Real; teardown: () => Promise<void> }> {
  for (const key of [siteLockKey(SITE_ID), sequenceKey(SITE_ID), switchStateKey(SITE_ID)]) {
    await client.send(new DeleteCommand({ TableName: TABLE, Key: key }));
  }
  clockForFleet.setMs(T0_MS);
  const clock = clockForFleet;
  const network = new Network();
  const registry = new TaskTokenRegistry();
  const steps = createSwitchSteps({
    locks: new DynamoSiteLockStore({ client, tableName: TABLE, clock }),
    switchStates: new DynamoSwitchStateStore({ client, tableName: TABLE }),
    plans: new DynamoPlanStore({ client, tableName: TABLE }),
    // The model's overrides are never cancelled: each is claimed for its command (an unclaimed one means cancelled).
    overrides: { claimForCommand: async () => true },
    publisher: {
      publish: async (command) => {
        if (network.connected) real.sent.push(command);
      },
    },
    signer: LocalCommandSigner.generate('switching-model').signer,
    metrics: { switchSucceeded: () => undefined, switchFailed: () => undefined },
    audit: { append: async () => undefined },
    clock,
    newId: () => crypto.randomUUID(),
    lockTtlMs: 900_000,
  });
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'hcp-model-'));
  const start = () =>
    startGateway({
      siteId: SITE_ID,
      site: SITE,
      messaging: network,
      devices: fleet.endpoints,
      stateDir,
      clock,
      autoTick: false,
      // The watchdog and the ladder stay out of the way: this model is about commands and acks.
      config: { switchAgent: { heartbeatTimeoutMs: 864e5, ladder: LADDER, minCurtailedMs: 0 } },
    });
  const real: Real = {
    clock,
    network,
    steps,
    registry,
    ackDeps: {
      tasks: new LocalTaskTokenClient(registry),
      metrics: { ackHandled: () => undefined },
      rng: seededRng(1),
      sleep: async () => undefined,
    },
    sent: [],
    fleet,
    gateway: await start(),
    async restart() {
      await real.gateway.stop();
      network.dropWaiting();
      real.gateway = await start();
    },
  };
  const model: Model = {
    nowMs: T0_MS,
    connected: true,
    nextSeq: 1,
    sent: [],
    lastSeq: 0,
    mode: 'curtail-asics',
    acceptedSeqs: new Set(),
    executionsSinceStart: 0,
    flows: 0,
    steps: 0,
  };
  return {
    model,
    real,
    teardown: async () => {
      await real.gateway.stop();
      network.dropWaiting();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

const commands = [
  fc.constantFrom(...MODES).map((mode) => new StartSwitch(mode)),
  fc.nat(50).map((pick) => new DeliverCommand(pick)),
  fc.nat(50).map((pick) => new DeliverCommand(pick)),
  fc.nat(50).map((pick) => new DeliverAck(pick)),
  fc.nat(50).map((pick) => new DeliverAck(pick)),
  fc.constant(new TimeOut()),
  fc.integer({ min: 5, max: 100 }).map((s) => new AdvanceClock(s * 1000)),
  fc.boolean().map((up) => new SetLink(up)),
  fc.constant(new Restart()),
];

describe('the switching protocol between SwitchFlow and the gateway (model-based)', () => {
  it('never runs two switches at once, never splits a group between modes, and ends in the last accepted mode', async () => {
    // Prepare
    let runs = 0;
    let steps = 0;

    // Act + Assess (inside the model run: every command checks the real system against the model)
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'max' }), async (cmds) => {
        const { model, real, teardown } = await setup();
        runs += 1;
        try {
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          steps += model.steps;
          // Quiesce: the link back, every ack delivered, a wait still open timed out; nothing may stay locked.
          if (!model.connected) await new SetLink(true).run(model, real);
          for (let i = 0; i < real.network.outbox.length; i++) await new DeliverAck(i).run(model, real);
          if (model.inFlight) await new TimeOut().run(model, real);
          checkGateway(model, real);
          expect(await real.steps.releaseLock({ siteId: SITE_ID, ownerId: 'nobody' })).toEqual({
            released: false,
            reason: 'not-held',
          });
        } finally {
          await teardown();
        }
      }),
      { numRuns: NUM_RUNS, seed: SEED, endOnFailure: true },
    );
    recordFigure('model.runs', runs, 'random interleavings');
    recordFigure('model.steps', steps, 'commands executed across runs');
    for (const [name, value] of Object.entries(tally)) recordFigure(`model.${name}`, value, 'across runs');
    expect(runs).toBe(NUM_RUNS);
    // Every outcome the invariants speak about was reached.
    expect(Object.values(tally).every((n) => n > 0)).toBe(true);
  });
});
