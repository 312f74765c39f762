import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ManualClock } from '../../../core/support/clock.js';
import { createDocumentClient } from '../../../functions/shared/data/client.js';
import { DynamoPlanStore } from '../../../functions/shared/data/plan-store.js';
import { DynamoSiteLockStore, siteLockKey } from '../../../functions/shared/data/site-lock.js';
import { TABLE_KEYS } from '../../../functions/shared/data/table-design.js';
import {
  ensureTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoDbClient,
  type RunningDynamoDbLocal,
  startDynamoDbLocal,
} from '../../../sim/local/dynamodb-local.js';
import { validPlan } from '../../support/fixtures.js';

// One JVM for the file (~1-3 s to start); each describe works in its own table.
let dynamo: RunningDynamoDbLocal;
let admin: DynamoDBClient;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  admin = localDynamoDbClient(dynamo.endpoint);
  // The data layer is configured the way `npm start` configures it: through the environment, not code.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  process.env.AWS_REGION = LOCAL_REGION;
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  documents = createDocumentClient();
});

afterAll(async () => {
  documents?.destroy();
  admin?.destroy();
  await dynamo?.stop();
});

const planVersion = (version: number) => ({ ...validPlan(), version });

describe('DynamoDB Local stand-in', () => {
  it('creates the table with the design keys, the GSI and TTL, and leaves an existing table alone', async () => {
    // Prepare
    const tableName = 'hcp-ensure-table';

    // Act
    const first = await ensureTable(admin, tableName);
    const second = await ensureTable(admin, tableName);
    const table = await admin.send(new DescribeTableCommand({ TableName: tableName }));
    const ttl = await admin.send(new DescribeTimeToLiveCommand({ TableName: tableName }));

    // Assess
    expect(first).toEqual({ created: true });
    expect(second).toEqual({ created: false });
    expect(table.Table?.KeySchema).toEqual([
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ]);
    expect(table.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual([TABLE_KEYS.gsi1.name]);
    expect(ttl.TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: TABLE_KEYS.ttlAttribute,
    });
  });

  it('puts, gets, updates, queries by prefix and deletes items through the document client', async () => {
    // Prepare
    const TableName = 'hcp-crud';
    await ensureTable(admin, TableName);
    const pk = 'TENANT#t1';
    for (const id of ['w1', 'w2']) {
      await documents.send(new PutCommand({ TableName, Item: { pk, sk: `WORKLOAD#${id}`, status: 'queued' } }));
    }
    await documents.send(new PutCommand({ TableName, Item: { pk, sk: 'PROFILE', name: 'Tenant One' } }));

    // Act
    await documents.send(
      new UpdateCommand({
        TableName,
        Key: { pk, sk: 'WORKLOAD#w1' },
        UpdateExpression: 'SET #status = :running',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':running': 'running' },
      }),
    );
    const updated = await documents.send(new GetCommand({ TableName, Key: { pk, sk: 'WORKLOAD#w1' } }));
    const workloads = await documents.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': 'WORKLOAD#' },
      }),
    );
    await documents.send(new DeleteCommand({ TableName, Key: { pk, sk: 'WORKLOAD#w2' } }));
    const deleted = await documents.send(new GetCommand({ TableName, Key: { pk, sk: 'WORKLOAD#w2' } }));

    // Assess
    expect(updated.Item?.status).toBe('running');
    expect(workloads.Items?.map((item) => item.sk)).toEqual(['WORKLOAD#w1', 'WORKLOAD#w2']);
    expect(deleted.Item).toBeUndefined();
  });
});

describe('site lock on DynamoDB Local', () => {
  const tableName = 'hcp-site-lock';
  const clock = new ManualClock(Date.parse('2025-01-15T12:00:00Z'));
  let locks: DynamoSiteLockStore;

  beforeAll(async () => {
    await ensureTable(admin, tableName);
    locks = new DynamoSiteLockStore({ client: documents, tableName, clock });
  });

  it('refuses the lock to a second owner while the first holds it, as a typed result', async () => {
    // Prepare
    const first = await locks.acquire({ siteId: 'site-a', ownerId: 'flow-1', ttlMs: 60_000 });

    // Act
    const second = await locks.acquire({ siteId: 'site-a', ownerId: 'flow-2', ttlMs: 60_000 });

    // Assess
    expect(first.ok).toBe(true);
    expect(second).toEqual({ ok: false, reason: 'held', heldBy: 'flow-1', expiresAtMs: clock.nowMs() + 60_000 });
  });

  it('writes the TTL attribute in epoch seconds so DynamoDB can delete an abandoned lock', async () => {
    // Prepare
    await locks.acquire({ siteId: 'site-ttl', ownerId: 'flow-1', ttlMs: 90_500 });

    // Act
    const item = await documents.send(new GetCommand({ TableName: tableName, Key: siteLockKey('site-ttl') }));

    // Assess
    expect(item.Item?.[TABLE_KEYS.ttlAttribute]).toBe(Math.ceil((clock.nowMs() + 90_500) / 1000));
  });

  it('lets another owner take an expired lock', async () => {
    // Prepare
    await locks.acquire({ siteId: 'site-b', ownerId: 'flow-1', ttlMs: 1_000 });
    clock.advanceMs(1_000);

    // Act
    const taken = await locks.acquire({ siteId: 'site-b', ownerId: 'flow-2', ttlMs: 1_000 });

    // Assess
    expect(taken).toMatchObject({ ok: true, lock: { ownerId: 'flow-2', expiresAtMs: clock.nowMs() + 1_000 } });
  });

  it('releases only for its owner', async () => {
    // Prepare
    await locks.acquire({ siteId: 'site-c', ownerId: 'flow-1', ttlMs: 60_000 });

    // Act
    const byOther = await locks.release({ siteId: 'site-c', ownerId: 'flow-2' });
    const byOwner = await locks.release({ siteId: 'site-c', ownerId: 'flow-1' });
    const again = await locks.release({ siteId: 'site-c', ownerId: 'flow-1' });

    // Assess
    expect(byOther).toEqual({ ok: false, reason: 'held-by-other', heldBy: 'flow-1' });
    expect(byOwner).toEqual({ ok: true });
    expect(again).toEqual({ ok: false, reason: 'not-held' });
  });
});

describe('plan store on DynamoDB Local', () => {
  const tableName = 'hcp-plan-store';
  let plans: DynamoPlanStore;

  beforeAll(async () => {
    await ensureTable(admin, tableName);
    plans = new DynamoPlanStore({ client: documents, tableName });
  });

  it('saves versions in one transaction each and loads the current one, any version and the history', async () => {
    // Prepare
    const v1 = planVersion(1);
    const v2 = { ...planVersion(2), createdAt: '2025-01-15T12:05:00Z' };

    // Act
    const saved = [await plans.save(v1), await plans.save(v2)];
    const current = await plans.loadCurrent();
    const first = await plans.loadVersion(1);
    const history = await plans.listHistory();

    // Assess
    expect(saved).toEqual([
      { ok: true, version: 1 },
      { ok: true, version: 2 },
    ]);
    expect(current).toEqual(v2);
    expect(first).toEqual(v1);
    expect(history.map((summary) => summary.version)).toEqual([2, 1]);
    expect(history[0]).toEqual({
      version: 2,
      createdAt: '2025-01-15T12:05:00Z',
      horizonStart: v2.horizonStart,
      siteCount: 1,
      solverMode: 'milp',
      solverStatus: 'Optimal',
    });
  });

  it('refuses a version that skips ahead of the current pointer', async () => {
    // Act
    const skipped = await plans.save(planVersion(9));

    // Assess
    expect(skipped).toMatchObject({ ok: false, reason: 'version-conflict', version: 9 });
    expect(await plans.loadVersion(9)).toBeUndefined();
  });

  it('lets exactly one of two writers racing for the same version win', async () => {
    // Prepare
    const next = ((await plans.loadCurrent())?.version ?? 0) + 1;
    const mine = { ...planVersion(next), solver: { ...validPlan().solver, objectiveUsd: 1 } };
    const theirs = { ...planVersion(next), solver: { ...validPlan().solver, objectiveUsd: 2 } };

    // Act
    const results = await Promise.all([plans.save(mine), plans.save(theirs)]);
    const stored = await plans.loadCurrent();

    // Assess
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    const loser = results.find((result) => !result.ok);
    expect(loser).toMatchObject({ ok: false, reason: 'version-conflict', version: next });
    const winner = results[0]?.ok ? mine : theirs;
    expect(stored).toEqual(winner);
  });

  it("refuses a plan naming a lower lease epoch for a site than the current plan, and keeps other sites' epochs", async () => {
    // Prepare
    await ensureTable(admin, 'hcp-plan-store-epochs');
    const fenced = new DynamoPlanStore({ client: documents, tableName: 'hcp-plan-store-epochs' });
    const siteId = validPlan().sites[0]!.siteId;
    const underEpoch = (version: number, leaseEpochs: Record<string, number>) => ({
      ...planVersion(version),
      leaseEpochs,
    });

    // Act
    const first = await fenced.save(underEpoch(1, { [siteId]: 3, 'site-other': 7 }));
    const stale = await fenced.save(underEpoch(2, { [siteId]: 2 }));
    const newer = await fenced.save(underEpoch(2, { [siteId]: 4 }));
    const otherStale = await fenced.save(underEpoch(3, { 'site-other': 6 }));

    // Assess
    expect([first.ok, newer.ok]).toEqual([true, true]);
    expect(stale).toMatchObject({ ok: false, reason: 'stale-epoch', version: 2 });
    expect(otherStale).toMatchObject({ ok: false, reason: 'stale-epoch', version: 3 });
    expect((await fenced.loadCurrent())?.leaseEpochs).toEqual({ [siteId]: 4 });
  });

  it('finds no current plan in an empty table', async () => {
    // Prepare
    await ensureTable(admin, 'hcp-plan-store-empty');
    const empty = new DynamoPlanStore({ client: documents, tableName: 'hcp-plan-store-empty' });

    // Act
    const current = await empty.loadCurrent();

    // Assess
    expect(current).toBeUndefined();
  });
});

describe('DynamoDB Local with a dbPath', () => {
  it('keeps its tables across a restart', async () => {
    // Prepare
    const dbPath = mkdtempSync(path.join(tmpdir(), 'hcp-dynamodb-local-'));
    try {
      const first = await startDynamoDbLocal({ dbPath });
      const firstClient = localDynamoDbClient(first.endpoint);
      await ensureTable(firstClient, 'hcp-persisted');
      firstClient.destroy();
      await first.stop();

      // Act
      const second = await startDynamoDbLocal({ dbPath });
      const secondClient = localDynamoDbClient(second.endpoint);
      const tables = await secondClient.send(new ListTablesCommand({}));
      secondClient.destroy();
      await second.stop();

      // Assess
      expect(tables.TableNames).toEqual(['hcp-persisted']);
    } finally {
      rmSync(dbPath, { recursive: true, force: true });
    }
  });
});
