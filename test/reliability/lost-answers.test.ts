import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PLATFORM_TENANT_ID } from '../../core/api/access.js';
import { ManualClock } from '../../core/support/clock.js';
import { type Rng, seededRng } from '../../core/support/random.js';
import { listAudit, verifyAudit } from '../../functions/shared/data/audit-log.js';
import { documentClient } from '../../functions/shared/data/client.js';
import { DynamoPlanStore } from '../../functions/shared/data/plan-store.js';
import { DynamoSiteLockStore } from '../../functions/shared/data/site-lock.js';
import { DynamoSwitchStateStore } from '../../functions/shared/data/switch-state-store.js';
import { IotCommandPublisher } from '../../functions/switching/adapters/iot-command-publisher.js';
import { SfnTaskTokenClient } from '../../functions/switching/adapters/sfn-task-token-client.js';
import { localIotDataClient, localStepFunctionsClient } from '../../sim/local/aws-sdk-endpoints.js';
import {
  DYNAMODB_WRITES,
  injectLostAnswers,
  type LostAnswerCounts,
  LostAnswerError,
  losingAnswers,
} from '../../sim/local/fault-injection.js';
import { type ApiHarness, startApiHarness } from '../integration/api/harness.js';
import { synthesizeControlFlows } from '../integration/flows/control-flows-stack.js';
import { validWorkloadRequest } from '../support/fixtures.js';
import { type LocalTable, startLocalTable } from '../support/local-table.js';
import { countBy, recordFigure } from './support/figures.js';
import { planWith, startSiteHarness, T0_MS, TABLE_NAME } from './support/site-harness.js';
import { expectSwitchedOrCompensated, runOverrideSwitches } from './support/switch-runs.js';

/**
 * "Applied, but the answer was lost" (#23 item 4): 30% of DynamoDB writes, IoT publishes, StartExecution and
 * SendTaskSuccess calls are performed and then fail with a timeout, as when the response never reaches the caller. The caller (a Lambda retried, a client retrying its request) repeats
 * the call; the sequence, plan, lock and audit invariants must hold anyway. Seeded: a failing run replays.
 */
const TABLE = 'hcp-lost-answers';
const RATE = 0.3;
const LOST = new LostAnswerError('x').name;

let table: LocalTable;

beforeAll(async () => {
  table = await startLocalTable(TABLE);
});

afterAll(async () => {
  await table?.stop();
});

function lossyClient(rng: Rng): { client: DynamoDBDocumentClient; counts: LostAnswerCounts } {
  const client = table.newClient({ maxAttempts: 1 });
  return { client, counts: injectLostAnswers(client, { rate: RATE, rng, commands: DYNAMODB_WRITES }) };
}

/** Repeats `work` while its answer is lost, as a retried caller does; returns its answer and how often it repeated. */
async function untilAnswered<T>(work: () => Promise<T>): Promise<{ answer: T; repeats: number }> {
  for (let repeats = 0; ; repeats++) {
    try {
      return { answer: await work(), repeats };
    } catch (error) {
      if ((error as Error).name !== LOST) throw error;
    }
  }
}

describe('the data layer when writes are applied but their answers lost, callers repeating', () => {
  it('never gives one sequence number twice, and hands them out increasing', async () => {
    // Prepare
    const { client, counts } = lossyClient(seededRng(41));
    const store = new DynamoSwitchStateStore({ client, tableName: TABLE });
    const seen: number[] = [];

    // Act
    for (let i = 0; i < 60; i++) seen.push((await untilAnswered(() => store.allocateSeq('site-lost'))).answer.seq);

    // Assess: a lost increment is a number nobody was told (a gap), never a number told twice.
    expect(counts.lost).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen.at(-1)).toBe(60 + counts.lost);
  });

  it('stores every plan version once, with no gap, though a save’s answer was lost and it was sent again', async () => {
    // Prepare
    const { client, counts } = lossyClient(seededRng(42));
    const plans = new DynamoPlanStore({ client, tableName: TABLE });
    let conflictsOfOwnSave = 0;

    // Act: a repeat finds its version taken; the saver then reads it back (PersistPlan's rule) to see it is its own.
    for (let version = 1; version <= 20; version++) {
      const plan = planWith([{}], version);
      const { answer } = await untilAnswered(() => plans.save(plan));
      if (!answer.ok) {
        conflictsOfOwnSave += 1;
        const stored = (await untilAnswered(() => plans.loadVersion(version))).answer;
        expect(stored).toEqual(plan);
      }
    }
    const history = (await untilAnswered(() => plans.listHistory({ limit: 50 }))).answer;
    const current = (await untilAnswered(() => plans.loadCurrent())).answer;

    // Assess
    expect(counts.lost).toBeGreaterThan(0);
    expect(history.map((p) => p.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(current?.version).toBe(20);
    recordFigure('lost-answers.plan-saves-repeated', conflictsOfOwnSave, 'plan saves found already stored on repeat');
  });

  it('never lets two owners hold a site lock; a repeated acquire gets it, a repeated release finds it gone', async () => {
    // Prepare
    const { client, counts } = lossyClient(seededRng(43));
    const locks = new DynamoSiteLockStore({ client, tableName: TABLE, clock: new ManualClock(T0_MS) });
    let holder: string | undefined;
    const violations: string[] = [];

    // Act
    for (let i = 0; i < 40; i++) {
      const ownerId = i % 2 === 0 ? 'flow-a' : 'flow-b';
      const { answer } = await untilAnswered(() => locks.acquire({ siteId: 'site-lost', ownerId, ttlMs: 600_000 }));
      if (answer.ok && holder !== undefined && holder !== ownerId) violations.push(`${ownerId} over ${holder}`);
      if (answer.ok) holder = ownerId;
      if (i % 3 === 2 && holder) {
        const owner = holder;
        const released = await untilAnswered(() => locks.release({ siteId: 'site-lost', ownerId: owner }));
        // A repeat finds its own delete done: `not-held`, which SwitchFlow's ReleaseLock takes as released.
        expect(released.answer).toEqual(released.repeats === 0 ? { ok: true } : { ok: false, reason: 'not-held' });
        holder = undefined;
      }
    }

    // Assess
    expect(counts.lost).toBeGreaterThan(0);
    expect(violations).toEqual([]);
  });
});

describe('the API when its writes’ answers are lost: every stored mutation audited exactly once', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness({ tableName: 'hcp-lost-answers-api' });
  });

  afterAll(async () => {
    await h?.stop();
  });

  const submit = (key: string, idempotencyKey: string) =>
    h.call('POST', '/v1/workloads', {
      key,
      body: validWorkloadRequest(),
      headers: { 'Idempotency-Key': idempotencyKey },
    });

  async function auditedOnce(tenantId: string, workloadIds: readonly string[]) {
    await h.api.auditChainer.idle();
    const verification = await verifyAudit(h.api.runtime.audit, tenantId);
    const entries = (await listAudit(h.api.runtime.audit, tenantId, 100_000)).items;
    const submits = entries.filter((e) => e.action === 'workload.submit').map((e) => e.target);
    return { verification, submits: submits.sort(), expected: workloadIds.map((id) => `workload/${id}`).sort() };
  }

  it('answers a burst of one tenant’s submissions without a 5xx, each workload audited once, the chain verifying', async () => {
    // Prepare: before #23 one tenant's appends serialized on one chain head, and a burst got 500s (appends giving up).
    const key = await h.api.issueApiKey('tenant-burst', 'customer-user');

    // Act: 200 submissions, 50 at a time.
    const statuses: number[] = [];
    const ids: string[] = [];
    for (let wave = 0; wave < 4; wave++) {
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => submit(key, `burst-${wave}-${i}`)));
      for (const a of answers) {
        statuses.push(a.status);
        if (a.status === 201) ids.push(a.body.id);
      }
    }

    // Assess
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    const { verification, submits, expected } = await auditedOnce('tenant-burst', ids);
    expect(submits).toEqual(expected);
    expect(verification).toMatchObject({ ok: true, pending: 0 });
    recordFigure('lost-answers.burst-5xx', statuses.filter((s) => s >= 500).length, '5xx of 200 burst submissions');
  });

  it('stores and audits each submission once when 30% of its writes’ answers are lost and the client retries', async () => {
    // Prepare: the key first, then the handlers' client and the chainer's both lose answers.
    const key = await h.api.issueApiKey('tenant-lossy', 'customer-user');
    const rng = seededRng(44);
    const handlerCounts = injectLostAnswers(documentClient(), { rate: RATE, rng, commands: DYNAMODB_WRITES });
    const chainerCounts = injectLostAnswers(h.documents, { rate: RATE, rng, commands: DYNAMODB_WRITES });
    let serverErrors = 0;
    const ids: string[] = [];

    // Act: each client retries its 5xx with the same Idempotency-Key until it is answered.
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        for (;;) {
          const answer = await submit(key, `lossy-${i}`);
          if (answer.status < 500) {
            expect([200, 201]).toContain(answer.status);
            ids.push(answer.body.id);
            return;
          }
          serverErrors += 1;
        }
      }),
    );

    // Assess
    expect(handlerCounts.lost + chainerCounts.lost).toBeGreaterThan(0);
    const listed = await h.call('GET', '/v1/workloads?limit=100', { key });
    expect(new Set(ids).size).toBe(40);
    expect(listed.body.items.map((w: { id: string }) => w.id).sort()).toEqual([...ids].sort());
    const { verification, submits, expected } = await auditedOnce('tenant-lossy', ids);
    expect(submits).toEqual(expected);
    expect(verification).toMatchObject({ ok: true, pending: 0 });
    recordFigure(
      'lost-answers.api-lost',
      handlerCounts.lost + chainerCounts.lost,
      'API and chainer writes whose answer was lost',
    );
    recordFigure('lost-answers.api-5xx-retried', serverErrors, '5xx answered (the write applied or not) and retried');
  });
});

describe('SwitchFlow when 30% of its DynamoDB writes’ answers are lost, SDK retries on', () => {
  it('switches or compensates every execution, leaves no lock, and audits each commit once', async () => {
    // Prepare
    let counts: LostAnswerCounts | undefined;
    const h = await startSiteHarness(synthesizeControlFlows(), {
      prepareClient: (client) => {
        counts = injectLostAnswers(client, { rate: RATE, rng: seededRng(45), commands: DYNAMODB_WRITES });
      },
      switchAgent: { heartbeatTimeoutMs: 86_400_000 },
      chainedAudit: true,
    });
    try {
      await h.restartGateway();

      // Act
      const report = await runOverrideSwitches(h, 10);

      // Assess
      expect(counts!.lost).toBeGreaterThan(0);
      expectSwitchedOrCompensated(report, 10);
      const deps = { client: h.client, tableName: TABLE_NAME };
      const chain = (await untilAnswered(() => listAudit(deps, PLATFORM_TENANT_ID, 10_000))).answer.items;
      const commits = chain.filter((e) => e.action === 'switch.commit').map((e) => String(e.detail?.commandId));
      expect(commits.length - new Set(commits).size).toBe(0);
      expect((await untilAnswered(() => verifyAudit(deps, PLATFORM_TENANT_ID))).answer).toMatchObject({ ok: true });
      recordFigure('lost-answers.flow-writes-lost', counts!.lost, `of ${counts!.calls} SwitchFlow DynamoDB writes`);
    } finally {
      await h.stop();
    }
  });
});

describe('SwitchFlow when 30% of its IoT publishes and task callbacks are performed but their answers lost', () => {
  it('switches or compensates every execution, never gives one sequence number to two commands, audits each commit once', async () => {
    // Prepare: the deployed adapters (IotCommandPublisher, SfnTaskTokenClient) on SDK clients answered locally, SDK
    // retries on; the ack-wait publish is Step Functions' own integration, made lossy around its callback.
    const lost = { publishes: { calls: 0, lost: 0 }, compensations: undefined as LostAnswerCounts | undefined };
    let callbacks: LostAnswerCounts | undefined;
    const h = await startSiteHarness(synthesizeControlFlows(), {
      controlPlanePorts: ({ cloud, registry }) => {
        const iot = localIotDataClient((topic, payload, qos) => cloud.publishAsync(topic, payload, { qos }));
        const sfn = localStepFunctionsClient({ registry });
        lost.compensations = injectLostAnswers(iot, { rate: RATE, rng: seededRng(46), commands: ['PublishCommand'] });
        callbacks = injectLostAnswers(sfn.client, {
          rate: RATE,
          rng: seededRng(47),
          commands: ['SendTaskSuccessCommand', 'SendTaskFailureCommand'],
        });
        return { publisher: new IotCommandPublisher(iot), taskTokens: new SfnTaskTokenClient(sfn.client) };
      },
      wrapTokenTasks: (tasks) =>
        Object.fromEntries(
          Object.entries(tasks).map(([state, callback]) => [
            state,
            losingAnswers(state, async (...args: Parameters<typeof callback>) => callback(...args), {
              rate: RATE,
              rng: seededRng(48),
              counts: lost.publishes,
            }),
          ]),
        ),
      switchAgent: { heartbeatTimeoutMs: 86_400_000 },
      chainedAudit: true,
    });
    try {
      await h.restartGateway();

      // Act
      const report = await runOverrideSwitches(h, 12);

      // Assess
      expect(lost.publishes.lost).toBeGreaterThan(0);
      expect(callbacks!.lost).toBeGreaterThan(0);
      expectSwitchedOrCompensated(report, 12);
      const commandsBySeq = new Map<number, Set<string>>();
      for (const c of h.commands) commandsBySeq.set(c.seq, (commandsBySeq.get(c.seq) ?? new Set()).add(c.commandId));
      expect([...commandsBySeq].filter(([, ids]) => ids.size > 1)).toEqual([]);
      expect(report.duplicateCommitAudits).toBe(0);
      const deps = { client: h.client, tableName: TABLE_NAME };
      expect(await verifyAudit(deps, PLATFORM_TENANT_ID)).toMatchObject({ ok: true });
      const succeeded = report.outcomes.filter((o) => o.status === 'SUCCEEDED').length;
      recordFigure(
        'lost-answers.flow-publishes-lost',
        lost.publishes.lost,
        `of ${lost.publishes.calls} ack-wait publishes`,
      );
      recordFigure(
        'lost-answers.flow-compensation-publishes-lost',
        lost.compensations!.lost,
        `of ${lost.compensations!.calls} IoT Publish calls`,
      );
      recordFigure(
        'lost-answers.flow-callbacks-lost',
        callbacks!.lost,
        `of ${callbacks!.calls} SendTaskSuccess/Failure calls`,
      );
      recordFigure('lost-answers.flow-succeeded', succeeded, 'of 12 SwitchFlows (the rest compensated)');
      console.log(
        `lost answers, SwitchFlow: ${lost.publishes.lost}/${lost.publishes.calls} ack-wait publishes, ` +
          `${lost.compensations!.lost}/${lost.compensations!.calls} compensation publishes, ` +
          `${callbacks!.lost}/${callbacks!.calls} callbacks; ${succeeded}/12 succeeded; acks: ${JSON.stringify(countBy(h.ackHandlings))}`,
      );
    } finally {
      await h.stop();
    }
  });
});
