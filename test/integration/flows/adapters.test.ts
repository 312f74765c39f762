import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { MarketSnapshot } from '../../../core/model/market.js';
import { systemClock } from '../../../core/support/clock.js';
import { DynamoPlanDraftStore } from '../../../functions/optimizer/adapters/dynamo-plan-drafts.js';
import { DynamoMarketSnapshotStore } from '../../../functions/shared/data/market-snapshot-store.js';
import { DynamoSwitchStateStore, FIRST_EPOCH } from '../../../functions/shared/data/switch-state-store.js';
import { DynamoDeviceStateStore } from '../../../functions/telemetry/adapters/dynamo-device-state.js';
import { type LocalTable, startLocalTable } from '../../support/local-table.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';
import { planFor } from '../../unit/switching/plan-fixture.js';

/** The control plane's DynamoDB adapters against DynamoDB Local. */

const TABLE = 'hcp-adapters-test';
let table: LocalTable;
let client: LocalTable['client'];

beforeAll(async () => {
  table = await startLocalTable(TABLE);
  client = table.client;
});

afterAll(async () => {
  await table?.stop();
});

const snapshot = (at: string, price: number): MarketSnapshot => marketSnapshotAt(Date.parse(at), { HB_WEST: price });

describe('DynamoDB adapters of the control plane', () => {
  it('hands out every command sequence number once, in order, under concurrency', async () => {
    // Prepare
    const store = new DynamoSwitchStateStore({ client, tableName: TABLE });

    // Act
    const seqs = await Promise.all(Array.from({ length: 25 }, () => store.allocateSeq('site-seq')));
    const next = await store.allocateSeq('site-seq');

    // Assess
    expect(seqs.map((a) => a.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(next).toEqual({ seq: 26, epoch: FIRST_EPOCH });
    expect(await store.allocateSeq('site-other')).toEqual({ seq: 1, epoch: FIRST_EPOCH });
  });

  it('resynchronises the counter only upwards and never moves the epoch', async () => {
    // Prepare
    const store = new DynamoSwitchStateStore({ client, tableName: TABLE });
    await store.allocateSeq('site-resync');
    await store.advanceEpoch('site-resync');

    // Act
    const raised = await store.resyncSeq('site-resync', 40);
    const notLowered = await store.resyncSeq('site-resync', 7);
    const next = await store.allocateSeq('site-resync');

    // Assess
    expect([raised, notLowered]).toEqual([40, 40]);
    expect(next).toEqual({ seq: 41, epoch: FIRST_EPOCH + 1 });
  });

  it('moves the latest market snapshot forward only', async () => {
    // Prepare
    const store = new DynamoMarketSnapshotStore({ client, tableName: TABLE });

    // Act
    await store.put(snapshot('2026-11-28T12:15:00Z', 40));
    await store.put(snapshot('2026-11-28T12:00:00Z', 30));

    // Assess
    expect((await store.latest())?.prices[0]?.realTimeUsdPerMwh).toBe(40);
  });

  it('round-trips a plan draft, compressed', async () => {
    // Prepare
    const drafts = new DynamoPlanDraftStore({ client, tableName: TABLE, nowMs: systemClock.nowMs });
    const plan = planFor(7, { 'site-a': 3, 'site-b': 5 }, Date.now());

    // Act
    await drafts.put('exec-7', plan);

    // Assess
    expect(await drafts.get('exec-7')).toEqual(plan);
    expect(await drafts.get('exec-missing')).toBeUndefined();
  });

  it('keeps the latest state of each device of a site, more than one batch-write page of them', async () => {
    // Prepare
    const store = new DynamoDeviceStateStore({ client, tableName: TABLE });
    const devices = Array.from({ length: 60 }, (_, i) => ({
      deviceId: `asic-${String(i).padStart(3, '0')}`,
      groupId: 'west-s21-a',
      kind: 'asic' as const,
      at: '2026-11-28T12:00:00Z',
      state: 'hashing' as const,
      powerW: 3500,
    }));

    // Act
    await store.putLatest('site-dev', 'gw-1', devices);
    await store.putLatest('site-dev', 'gw-1', [{ ...devices[0]!, state: 'sleeping', at: '2026-11-28T12:01:00Z' }]);

    // Assess
    const items = await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': 'SITE#site-dev', ':prefix': 'DEVICE#' },
      }),
    );
    expect(items.Items).toHaveLength(60);
    expect(items.Items?.[0]).toMatchObject({ deviceId: 'asic-000', state: 'sleeping', gatewayId: 'gw-1' });
  });
});
