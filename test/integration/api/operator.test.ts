import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoMarketSnapshotStore } from '../../../functions/market/adapters/dynamo-market-store.js';
import { DynamoPlanStore } from '../../../functions/shared/data/plan-store.js';
import { marketSnapshotAt } from '../../unit/platform/market-fixture.js';
import { planWith } from '../gateway/harness.js';
import { type ApiHarness, startApiHarness } from './harness.js';

describe('operator routes over real HTTP and DynamoDB Local', () => {
  let h: ApiHarness;
  let operator: string;
  beforeAll(async () => {
    h = await startApiHarness({ tableName: 'hcp-api-operator-test' });
    operator = h.demo.operatorApiKey;
  }, 60_000);
  afterAll(() => h?.stop());

  it('lists every site of the fleet, with no live state before any gateway reported', async () => {
    // Act
    const response = await h.call('GET', '/v1/sites', { key: operator });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.items.map((s: { site: { id: string } }) => s.site.id)).toEqual([
      'site-west-1',
      'site-south-1',
      'site-north-1',
    ]);
    expect(response.body.items[0].gateways).toEqual([]);
    expect(response.body.items[0].currentSetpoints).toBeUndefined();
  });

  it('shows a gateway’s latest state and heartbeat as the IoT rule wrote them', async () => {
    // Arrange
    const receivedAtMs = Date.parse('2026-11-28T12:00:00Z');
    for (const Item of [
      {
        pk: 'SITE#site-south-1',
        sk: 'GATEWAY#gw-1',
        gatewayId: 'gw-1',
        batchSeq: 42,
        sitePowerKw: 18_250,
        receivedAtMs,
      },
      { pk: 'SITE#site-south-1', sk: 'HEARTBEAT', receivedAtMs },
    ])
      await h.documents.send(new PutCommand({ TableName: h.tableName, Item }));

    // Act
    const response = await h.call('GET', '/v1/sites/site-south-1', { key: operator });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.gateways).toEqual([
      { gatewayId: 'gw-1', batchSeq: 42, sitePowerKw: 18_250, receivedAt: '2026-11-28T12:00:00.000Z' },
    ]);
    expect(response.body.lastHeartbeatAt).toBe('2026-11-28T12:00:00.000Z');
  });

  it('answers 404 for plans before the first dispatch, then the current plan, its history and the setpoints now', async () => {
    // Arrange
    const before = await h.call('GET', '/v1/plans/current', { key: operator });
    const plan = planWith([{}, { 'west-s21-a': 0 }], 1, Date.now() - 60_000);
    await new DynamoPlanStore({ client: h.documents, tableName: h.tableName }).save(plan);

    // Act
    const current = await h.call('GET', '/v1/plans/current', { key: operator });
    const history = await h.call('GET', '/v1/plans?limit=5', { key: operator });
    const site = await h.call('GET', '/v1/sites/site-west-1', { key: operator });

    // Assess
    expect(before.status).toBe(404);
    expect(current.status).toBe(200);
    expect(current.body.version).toBe(1);
    expect(history.body.items).toEqual([expect.objectContaining({ version: 1, siteCount: 1 })]);
    expect(site.body.planVersion).toBe(1);
    expect(site.body.currentSetpoints.startsAt).toBe(plan.sites[0]!.intervals[0]!.startsAt);
  });

  it('serves the newest market snapshot, null before the first', async () => {
    // Arrange
    const before = await h.call('GET', '/v1/market', { key: operator });
    const snapshot = marketSnapshotAt(Date.parse('2026-11-28T12:00:00Z'), { HB_WEST: 31.5 });
    await new DynamoMarketSnapshotStore({ client: h.documents, tableName: h.tableName }).put(snapshot);

    // Act
    const after = await h.call('GET', '/v1/market', { key: operator });

    // Assess
    expect(before.body).toEqual({ snapshot: null });
    expect(after.body.snapshot.prices).toEqual([{ node: 'HB_WEST', realTimeUsdPerMwh: 31.5 }]);
  });

  it('refuses customers (403), names an unknown site (404) and bad input (400)', async () => {
    // Act
    const customer = await h.call('GET', '/v1/sites', { key: h.demo.apiKey });
    const unknown = await h.call('GET', '/v1/sites/site-nowhere-9', { key: operator });
    const badId = await h.call('GET', '/v1/sites/NOT%20A%20SITE', { key: operator });
    const badLimit = await h.call('GET', '/v1/plans?limit=0', { key: operator });
    const anonymous = await h.call('GET', '/v1/market');

    // Assess
    expect(customer.status).toBe(403);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('site-nowhere-9');
    expect(badId.status).toBe(400);
    expect(badId.body.error.issues[0].field).toContain('siteId');
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.error.issues[0].field).toContain('limit');
    expect(anonymous.status).toBe(401);
  });
});
