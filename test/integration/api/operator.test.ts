import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SwitchFlowInput } from '../../../core/switching/command.js';
import { DynamoMarketSnapshotStore } from '../../../functions/shared/data/market-snapshot-store.js';
import { DynamoPlanStore } from '../../../functions/shared/data/plan-store.js';
import { DynamoSwitchLogStore } from '../../../functions/shared/data/switch-log-store.js';
import { SiteSwitchLog } from '../../../functions/switching/adapters/site-switch-log.js';
import { marketSnapshotAt } from '../../support/market-fixture.js';
import { planWith } from '../gateway/harness.js';
import { type ApiHarness, startApiHarness } from './harness.js';

// One harness per file: the handlers share one process-wide DynamoDB client, bound to the first endpoint it saw.
let h: ApiHarness;
let operator: string;
/** The SwitchFlow executions the override route started (a recording starter in place of Step Functions). */
const started: Array<{ input: SwitchFlowInput; name: string }> = [];
beforeAll(async () => {
  h = await startApiHarness({
    tableName: 'hcp-api-operator-test',
    switchFlows: {
      start: async (input, name) => {
        started.push({ input, name });
        return { executionArn: `arn:aws:states:local:execution:SwitchFlow:${name}` };
      },
    },
  });
  operator = h.demo.operatorApiKey;
});
afterAll(() => h?.stop());

describe('operator read routes over real HTTP and DynamoDB Local', () => {
  it('lists every site of the fleet, with no live state before any gateway reported', async () => {
    // Act
    const response = await h.call('GET', '/v1/sites', { key: operator });

    // Assess
    expect(response.status).toBe(200);
    // The sites in service as registered (npm start registers the reference fleet through the API), by id.
    expect(response.body.items.map((s: { site: { id: string } }) => s.site.id)).toEqual([
      'site-north-1',
      'site-south-1',
      'site-west-1',
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

  it('lists a site’s switches newest first, as the switching flow logs them', async () => {
    // Prepare
    const clock = { nowMs: () => Date.parse('2026-11-28T12:00:00Z') };
    const log = new SiteSwitchLog(new DynamoSwitchLogStore({ client: h.documents, tableName: h.tableName }), clock);
    await log.append({
      action: 'switch.commit',
      siteId: 'site-north-1',
      actor: 'optimizer',
      detail: { commandId: 'c-1', seq: 7, kind: 'apply-plan', executionName: 'site-north-1-v3' },
    });
    clock.nowMs = () => Date.parse('2026-11-28T12:05:00Z');
    await log.append({
      action: 'switch.safe-mode',
      siteId: 'site-north-1',
      actor: 'optimizer',
      detail: { error: 'AckTimeout', cause: 'no ack in 60 s', failedCommandId: 'c-2', safeModeCommandId: 'c-3' },
    });

    // Act
    const response = await h.call('GET', '/v1/sites/site-north-1/switches?limit=5', { key: operator });
    const other = await h.call('GET', '/v1/sites/site-west-1/switches', { key: operator });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([
      expect.objectContaining({ action: 'switch.safe-mode', commandId: 'c-3', error: 'AckTimeout' }),
      expect.objectContaining({ action: 'switch.commit', commandId: 'c-1', seq: 7, kind: 'apply-plan' }),
    ]);
    expect(other.body.items).toEqual([]);
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

  it('serves the SCED LMP and ancillary-service prices of an ERCOT snapshot with their publication times', async () => {
    // Prepare
    const lmp = {
      lmpUsdPerMwh: 27.25,
      intervalStartAt: '2026-11-28T20:40:00.000Z',
      publishedAt: '2026-11-28T20:50:00.000Z',
    };
    const ancillary = {
      source: 'rt' as const,
      intervalMinutes: 15 as const,
      intervalStartAt: '2026-11-28T20:30:00.000Z',
      publishedAt: '2026-11-28T20:50:00.000Z',
      ancillaryUsdPerMwH: { regup: 8.1, regdn: 5.1, rrs: 6.1, ecrs: 7.1, nspin: 4.1 },
    };
    const base = marketSnapshotAt(Date.parse('2026-11-28T20:30:00Z'), { HB_WEST: 30 });
    await new DynamoMarketSnapshotStore({ client: h.documents, tableName: h.tableName }).put({
      ...base,
      prices: [{ node: 'HB_WEST', realTimeUsdPerMwh: 30, lmp }],
      ancillary,
    });

    // Act
    const response = await h.call('GET', '/v1/market', { key: operator });

    // Assess
    expect(response.body.snapshot.prices).toEqual([{ node: 'HB_WEST', realTimeUsdPerMwh: 30, lmp }]);
    expect(response.body.snapshot.ancillary).toEqual(ancillary);
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

describe('operator override route', () => {
  const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
  const post = (key: string, siteId: string, body: unknown) =>
    h.call('POST', `/v1/sites/${siteId}/overrides`, { key, body });

  it('starts one SwitchFlow with the override and who asked, answers 202 and audits it', async () => {
    // Prepare
    const body = { kind: 'curtail', shedKw: 5000, reason: 'transformer hot', expiresAt: inMinutes(30) };

    // Act
    const response = await post(h.demo.operatorApiKey, 'site-west-1', body);
    const auditLog = await h.call('GET', '/v1/audit?chain=platform', { key: h.demo.adminApiKey });

    // Assess
    expect(response.status).toBe(202);
    expect(started).toHaveLength(1);
    expect(started[0]!.input).toMatchObject({ siteId: 'site-west-1', override: body });
    expect(started[0]!.input.requestedBy).toEqual(expect.any(String));
    expect(response.body.executionName).toBe(started[0]!.name);
    expect(JSON.stringify(auditLog.body.items)).toContain('site.override');
  });

  it.each([
    [
      'an expiry in the past',
      { kind: 'set-mode', mode: 'all-off', reason: 'x', expiresAt: inMinutes(-1) },
      'expiresAt',
    ],
    [
      'an expiry over a day ahead',
      { kind: 'set-mode', mode: 'all-off', reason: 'x', expiresAt: inMinutes(25 * 60) },
      'expiresAt',
    ],
    ['an unknown mode', { kind: 'set-mode', mode: 'turbo', reason: 'x', expiresAt: inMinutes(5) }, 'mode'],
    ['no reason', { kind: 'curtail', shedKw: 10, expiresAt: inMinutes(5) }, 'reason'],
    ['an extra field', { kind: 'curtail', shedKw: 10, reason: 'x', expiresAt: inMinutes(5), force: true }, 'force'],
  ])('refuses %s with a 400 naming the field and starts nothing', async (_what, body, field) => {
    // Act
    const before = started.length;
    const response = await post(h.demo.operatorApiKey, 'site-west-1', body);

    // Assess
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body.error)).toContain(field);
    expect(started.length).toBe(before);
  });

  it('refuses a customer (403) and an unknown site (404) without starting a flow', async () => {
    // Act
    const before = started.length;
    const body = { kind: 'set-mode', mode: 'all-off', reason: 'x', expiresAt: inMinutes(5) };
    const customer = await post(h.demo.apiKey, 'site-west-1', body);
    const unknown = await post(h.demo.operatorApiKey, 'site-nowhere-9', body);

    // Assess
    expect(customer.status).toBe(403);
    expect(unknown.status).toBe(404);
    expect(started.length).toBe(before);
  });
});
