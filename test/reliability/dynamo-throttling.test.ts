import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ManualClock } from '../../core/support/clock.js';
import { type Rng, seededRng } from '../../core/support/random.js';
import {
  AUDIT_SHARDS,
  appendAudit,
  chainPending,
  shardPartition,
  verifyAudit,
} from '../../functions/shared/data/audit-log.js';
import { DynamoPlanStore } from '../../functions/shared/data/plan-store.js';
import { DynamoSiteLockStore } from '../../functions/shared/data/site-lock.js';
import { DynamoSwitchStateStore } from '../../functions/shared/data/switch-state-store.js';
import { injectThrottling, type ThrottleCounts } from '../../sim/local/fault-injection.js';
import { synthesizeControlFlows } from '../integration/flows/control-flows-stack.js';
import { type LocalTable, startLocalTable } from '../support/local-table.js';
import { recordFigure } from './support/figures.js';
import { planWith, startSiteHarness, T0_MS } from './support/site-harness.js';
import { expectSwitchedOrCompensated, runOverrideSwitches } from './support/switch-runs.js';

/**
 * DynamoDB refusing requests with ProvisionedThroughputExceededException (injected into the client, seeded). With the
 * SDK's retries off every refusal reaches the data layer, which must either do the whole write or none of it and say
 * so; with the SDK's default retries (3 attempts) and the flows' own retries, the control plane rides through.
 */

const TABLE = 'hcp-throttling';
const RATE = 0.3;
const THROTTLED = 'ProvisionedThroughputExceededException';
/** The SDK backs off 0.5–2 s per throttled attempt (its throttling base delay), so a flow takes seconds here. */
const FLOW_RUNS = 10;

let table: LocalTable;

beforeAll(async () => {
  table = await startLocalTable(TABLE);
});

afterAll(async () => {
  await table?.stop();
});

function throttledClient(rng: Rng, maxAttempts: number): { client: DynamoDBDocumentClient; counts: ThrottleCounts } {
  const client = table.newClient({ maxAttempts });
  return { client, counts: injectThrottling(client, { rate: RATE, rng }) };
}

/** Calls `work` until it is not throttled, as a caller that owns the retry does; every other error escapes. */
async function untilAccepted<T>(work: () => Promise<T>, refusals: string[]): Promise<T> {
  for (;;) {
    try {
      return await work();
    } catch (error) {
      refusals.push((error as Error).name);
      if ((error as Error).name !== THROTTLED) throw error;
    }
  }
}

describe('the data layer under throttling, SDK retries off', () => {
  it('allocates each sequence number once: a refused increment is never applied', async () => {
    // Prepare
    const { client, counts } = throttledClient(seededRng(1), 1);
    const store = new DynamoSwitchStateStore({ client, tableName: TABLE });
    const refusals: string[] = [];
    const accepted: number[] = [];

    // Act
    for (let i = 0; i < 60; i++) {
      try {
        accepted.push((await store.allocateSeq('site-throttled')).seq);
      } catch (error) {
        refusals.push((error as Error).name);
      }
    }

    // Assess
    expect(refusals.length).toBeGreaterThan(0);
    expect(new Set(refusals)).toEqual(new Set([THROTTLED]));
    expect(accepted).toEqual(Array.from({ length: accepted.length }, (_, i) => i + 1));
    expect(accepted.length + refusals.length).toBe(60);
    expect(counts.throttled).toBe(refusals.length);
  });

  it('keeps every plan version the callers were told was saved, with no gap and the current pointer on the last', async () => {
    // Prepare
    const { client } = throttledClient(seededRng(2), 1);
    const plans = new DynamoPlanStore({ client, tableName: TABLE });
    const refusals: string[] = [];

    // Act
    for (let version = 1; version <= 20; version++) {
      const saved = await untilAccepted(() => plans.save(planWith([{}], version)), refusals);
      expect(saved).toEqual({ ok: true, version });
    }
    const history = await untilAccepted(() => plans.listHistory({ limit: 50 }), refusals);
    const current = await untilAccepted(() => plans.loadCurrent(), refusals);

    // Assess
    expect(refusals.length).toBeGreaterThan(0);
    expect(new Set(refusals)).toEqual(new Set([THROTTLED]));
    expect(history.map((p) => p.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(current?.version).toBe(20);
  });

  it('keeps the audit chain whole: every accepted append is in it once, and it verifies', async () => {
    // Prepare
    const { client } = throttledClient(seededRng(3), 1);
    const deps = { client, tableName: TABLE, clock: new ManualClock(T0_MS) };
    const refusals: string[] = [];

    // Act
    for (let i = 0; i < 25; i++) {
      await untilAccepted(
        () =>
          appendAudit(
            deps,
            {
              actor: 'reliability',
              tenantId: 'tenant-a',
              action: 'test.append',
              target: `n/${i}`,
              requestId: `r-${i}`,
            },
            'reliability',
          ),
        refusals,
      );
    }
    // The chainer links the outbox on the throttled client, shard by shard, each retried as its stream batch would be;
    // then an unthrottled reader verifies (a whole verify is ~40 requests: at 30% refusals it would almost never pass).
    for (let shard = 0; shard < AUDIT_SHARDS; shard++) {
      await untilAccepted(() => chainPending(deps, shardPartition('reliability', shard)), refusals);
    }
    const verification = await verifyAudit({ client: table.newClient(), tableName: TABLE }, 'reliability');

    // Assess
    expect(refusals.length).toBeGreaterThan(0);
    expect(verification).toMatchObject({ ok: true, checked: 25, pending: 0 });
  });

  it('never lets two owners hold a site lock, throttled or not', async () => {
    // Prepare
    const { client } = throttledClient(seededRng(4), 1);
    const clock = new ManualClock(T0_MS);
    const locks = new DynamoSiteLockStore({ client, tableName: TABLE, clock });
    const refusals: string[] = [];
    let holder: string | undefined;
    const violations: string[] = [];

    // Act: two flows race for one site's lock, each releasing what it won.
    for (let i = 0; i < 40; i++) {
      const ownerId = i % 2 === 0 ? 'flow-a' : 'flow-b';
      const acquired = await untilAccepted(
        () => locks.acquire({ siteId: 'site-contended', ownerId, ttlMs: 600_000 }),
        refusals,
      );
      if (acquired.ok && holder !== undefined && holder !== ownerId) violations.push(`${ownerId} over ${holder}`);
      if (acquired.ok) holder = ownerId;
      if (i % 3 === 2 && holder) {
        const released = await untilAccepted(
          () => locks.release({ siteId: 'site-contended', ownerId: holder! }),
          refusals,
        );
        expect(released).toEqual({ ok: true });
        holder = undefined;
      }
    }

    // Assess
    expect(refusals.length).toBeGreaterThan(0);
    expect(violations).toEqual([]);
  });
});

describe('SwitchFlow on a throttled table, SDK retries on', () => {
  it('switches or compensates every execution and loses no switch it reported', async () => {
    // Prepare
    let counts: ThrottleCounts | undefined;
    const h = await startSiteHarness(synthesizeControlFlows(), {
      prepareClient: (client) => {
        counts = injectThrottling(client, { rate: RATE, rng: seededRng(5) });
      },
      switchAgent: { heartbeatTimeoutMs: 86_400_000 },
    });
    try {
      await h.restartGateway();

      // Act
      const report = await runOverrideSwitches(h, FLOW_RUNS);

      // Assess
      expect(counts!.throttled).toBeGreaterThan(0);
      expectSwitchedOrCompensated(report, FLOW_RUNS);
      recordFigure('throttling.requests', counts!.requests, `DynamoDB requests (attempts) in ${FLOW_RUNS} SwitchFlows`);
      recordFigure('throttling.throttled', counts!.throttled, `attempts refused (rate ${RATE})`);
      recordFigure(
        'throttling.switches-succeeded',
        report.outcomes.filter((o) => o.status === 'SUCCEEDED').length,
        `of ${FLOW_RUNS} executions`,
      );
    } finally {
      await h.stop();
    }
  });
});
