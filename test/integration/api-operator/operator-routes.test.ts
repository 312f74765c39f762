import { systemClock } from '../../../core/support/clock.js';
import type { SwitchFlowInput } from '../../../core/switching/command.js';
import { createOptimizeSteps } from '../../../functions/optimizer/steps.js';
import { listAudit } from '../../../functions/shared/data/audit-log.js';
import { DynamoOverrideStore } from '../../../functions/shared/data/override-store.js';
import { DynamoPlanStore } from '../../../functions/shared/data/plan-store.js';
import { DynamoSwitchLogStore } from '../../../functions/shared/data/switch-log-store.js';
import { DynamoSwitchStateStore } from '../../../functions/shared/data/switch-state-store.js';
import { SiteSwitchLog } from '../../../functions/switching/adapters/site-switch-log.js';
import { DynamoDeviceStateStore } from '../../../functions/telemetry/adapters/dynamo-device-state.js';
import { planWith, SITE_ID } from '../gateway/harness.js';
import { type OperatorApiHarness, startOperatorApi } from './harness.js';

let h: OperatorApiHarness;
/** The SwitchFlow executions the override route started (recorded in place of Step Functions). */
const started: Array<{ input: SwitchFlowInput; name: string }> = [];

beforeAll(async () => {
  h = await startOperatorApi({
    tableName: 'hcp-operator-routes-test',
    switchFlows: {
      start: async (input, name) => {
        started.push({ input, name });
        return { executionArn: `arn:aws:states:local:execution:SwitchFlow:${name}` };
      },
    },
  });
});
afterAll(() => h?.stop());

const deps = () => ({ client: h.documents, tableName: h.tableName });
const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

describe('site views with the devices’ latest state', () => {
  it('shows each device as the telemetry path stored it, and a summary per configured group', async () => {
    // Prepare: what the device telemetry Lambda writes for two miners of one group and one GPU.
    const at = '2026-11-28T12:00:00.000Z';
    await new DynamoDeviceStateStore(deps()).putLatest('site-south-1', 'gw-south', [
      {
        deviceId: 'm-1',
        groupId: 'south-s21hyd-a',
        kind: 'asic',
        at,
        state: 'hashing',
        powerW: 5000,
        hashrateThs: 330,
      },
      { deviceId: 'm-2', groupId: 'south-s21hyd-a', kind: 'asic', at, state: 'sleeping', powerW: 20, hashrateThs: 0 },
      { deviceId: 'g-1', groupId: 'south-h200-a', kind: 'gpu', at, state: 'serving', powerW: 700, utilizationPct: 80 },
    ]);

    // Act
    const site = await h.call('GET', '/v1/sites/site-south-1');
    const list = await h.call('GET', '/v1/sites');

    // Assess
    expect(site.status).toBe(200);
    expect(site.body.devices).toHaveLength(3);
    expect(site.body.devices).toContainEqual(
      expect.objectContaining({ deviceId: 'm-1', gatewayId: 'gw-south', state: 'hashing', at }),
    );
    expect(site.body.groups).toEqual([
      expect.objectContaining({
        groupId: 'south-s21hyd-a',
        configuredUnits: 3000,
        reportingUnits: 2,
        unitsByState: { hashing: 1, sleeping: 1 },
        powerKw: 5.02,
        hashrateThs: 330,
        lastSeenAt: at,
      }),
      expect.objectContaining({ groupId: 'south-h200-a', reportingUnits: 1, meanUtilizationPct: 80 }),
    ]);
    const west = list.body.items.find((s: { site: { id: string } }) => s.site.id === 'site-west-1');
    expect(west.devices).toEqual([]);
    expect(west.groups.every((g: { reportingUnits: number }) => g.reportingUnits === 0)).toBe(true);
  });
});

describe('an override’s record, dispatch hold and cancellation', () => {
  it('records who asked, why and until when; dispatch leaves the site alone until cancelled, then switches it', async () => {
    // Prepare
    const body = { kind: 'set-mode', mode: 'all-off', reason: 'substation work', expiresAt: inMinutes(60) };
    const drafts = new Map<string, ReturnType<typeof planWith>>();
    const optimize = createOptimizeSteps({
      fleet: { load: async () => ({ sites: [] }) },
      market: { latest: async () => undefined },
      solver: { solve: async () => planWith([{}]) },
      plans: new DynamoPlanStore(deps()),
      drafts: { put: async (id, plan) => void drafts.set(id, plan), get: async (id) => drafts.get(id) },
      switchStates: new DynamoSwitchStateStore(deps()),
      clock: systemClock,
    });
    const dispatch = async (version: number) => {
      drafts.set(`d-${version}`, planWith([{ 'west-s21-a': version / 10 }], version, Date.now() - 60_000));
      return (await optimize.persist({ draftId: `d-${version}` })).switches.map((s) => s.siteId);
    };

    // Act: the override is requested, and its SwitchFlow commits (what the commit step leaves in the site's state).
    const created = await h.call('POST', `/v1/sites/${SITE_ID}/overrides`, { principalId: 'operator-7', body });
    await new DynamoSwitchStateStore(deps()).put({
      siteId: SITE_ID,
      status: 'committed',
      executionName: created.body.executionName,
      updatedAt: new Date().toISOString(),
      overrideUntil: body.expiresAt,
    });
    const whileHeld = await dispatch(1);
    const view = await h.call('GET', `/v1/sites/${SITE_ID}`);
    const cancelled = await h.call('DELETE', `/v1/sites/${SITE_ID}/overrides/current`, { principalId: 'operator-8' });
    const afterCancel = await dispatch(2);
    const viewAfter = await h.call('GET', `/v1/sites/${SITE_ID}`);
    const again = await h.call('DELETE', `/v1/sites/${SITE_ID}/overrides/current`);

    // Assess
    expect(created.status).toBe(202);
    expect(started.at(-1)).toEqual({
      input: { siteId: SITE_ID, override: body, requestedBy: 'operator-7' },
      name: created.body.executionName,
    });
    expect(view.body.override).toMatchObject({
      status: 'active',
      requestedBy: 'operator-7',
      executionName: created.body.executionName,
      override: body,
    });
    expect(whileHeld).not.toContain(SITE_ID);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({
      override: { status: 'cancelled', cancelledBy: 'operator-8' },
      holdReleased: true,
    });
    expect(afterCancel).toContain(SITE_ID);
    expect(viewAfter.body.override.status).toBe('cancelled');
    expect(viewAfter.body.switching.overrideUntil).toBeUndefined();
    expect(again.status).toBe(404);
    expect(again.body.error.message).toContain(SITE_ID);
    const audit = await listAudit(deps(), 'platform', 100);
    expect(audit.items.map((e) => [e.action, e.actor])).toEqual(
      expect.arrayContaining([
        ['site.override', 'operator-7'],
        ['site.override.cancel', 'operator-8'],
      ]),
    );
  });

  it('stops holding the site at its expiry: the view says expired and there is nothing to cancel', async () => {
    // Prepare: an override recorded an hour ago that expired a minute ago.
    await new DynamoOverrideStore(deps()).put({
      siteId: 'site-north-1',
      override: { kind: 'curtail', shedKw: 2000, reason: 'heat wave', expiresAt: inMinutes(-1) },
      requestedBy: 'operator-7',
      requestedAt: inMinutes(-60),
      executionName: 'override-site-north-1-old',
    });

    // Act
    const view = await h.call('GET', '/v1/sites/site-north-1');
    const cancel = await h.call('DELETE', '/v1/sites/site-north-1/overrides/current');

    // Assess
    expect(view.body.override).toMatchObject({ status: 'expired', executionName: 'override-site-north-1-old' });
    expect(cancel.status).toBe(404);
  });
});

describe('plan history pages', () => {
  it('walks every version newest first with the cursor, and refuses a cursor it did not issue', async () => {
    // Prepare: versions up to at least 3.
    const plans = new DynamoPlanStore(deps());
    for (let v = ((await plans.loadCurrent())?.version ?? 0) + 1; v <= 3; v++)
      expect((await plans.save(planWith([{}], v))).ok).toBe(true);
    const newest = (await plans.loadCurrent())!.version;

    // Act
    const versions: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await h.call('GET', `/v1/plans?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      versions.push(...page.body.items.map((p: { version: number }) => p.version));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    const forged = await h.call('GET', '/v1/plans?cursor=bm90LW91cnM');

    // Assess
    expect(versions).toEqual(Array.from({ length: newest }, (_, i) => newest - i));
    expect(forged.status).toBe(400);
    expect(forged.body.error.issues[0].field).toBe('cursor');
  });
});

describe('switch history', () => {
  it('names each switch’s outcome, with command id, sequence and the latency of executed ones', async () => {
    // Prepare: what the switching flow's commit and compensation steps log.
    let nowMs = Date.parse('2026-11-28T12:00:00Z');
    const log = new SiteSwitchLog(new DynamoSwitchLogStore(deps()), { nowMs: () => nowMs });
    const siteId = 'site-south-1';
    await log.append({
      action: 'switch.commit',
      siteId,
      actor: 'optimizer',
      detail: { commandId: 'c-1', seq: 1, kind: 'apply-plan', executionName: 'x-1', latencyMs: 1250 },
    });
    nowMs += 60_000;
    await log.append({
      action: 'switch.safe-mode',
      siteId,
      actor: 'operator-7',
      detail: { error: 'States.Timeout', safeModeCommandId: 'c-3' },
    });
    nowMs += 60_000;
    await log.append({
      action: 'switch.safe-mode',
      siteId,
      actor: 'optimizer',
      detail: { error: 'Ack.Rejected', safeModeCommandId: 'c-5' },
    });

    // Act
    const response = await h.call('GET', `/v1/sites/${siteId}/switches?limit=10`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.body.items.map((s: { outcome: string; commandId: string }) => [s.outcome, s.commandId])).toEqual([
      ['rejected', 'c-5'],
      ['timed-out', 'c-3'],
      ['executed', 'c-1'],
    ]);
    expect(response.body.items[2]).toMatchObject({ seq: 1, latencyMs: 1250, actor: 'optimizer' });
  });
});

describe('who may call, and bad input', () => {
  const body = { kind: 'set-mode', mode: 'all-on', reason: 'x', expiresAt: inMinutes(5) };

  it.each([
    ['GET', '/v1/sites'],
    ['GET', '/v1/sites/site-west-1'],
    ['GET', '/v1/plans'],
    ['GET', '/v1/market'],
    ['GET', '/v1/sites/site-west-1/switches'],
    ['POST', '/v1/sites/site-west-1/overrides'],
    ['DELETE', '/v1/sites/site-west-1/overrides/current'],
  ])('refuses customers on %s %s (403), lets admins in', async (method, path) => {
    // Act
    const before = started.length;
    const user = await h.call(method, path, { role: 'customer-user', ...(method === 'POST' ? { body } : {}) });
    const customerAdmin = await h.call(method, path, {
      role: 'customer-admin',
      ...(method === 'POST' ? { body } : {}),
    });
    const anonymous = await h.call(method, path, { role: null });

    // Assess
    expect([user.status, customerAdmin.status, anonymous.status]).toEqual([403, 403, 401]);
    expect(started.length).toBe(before);
    if (method === 'GET') expect((await h.call(method, path, { role: 'admin' })).status).toBe(200);
  });

  const post = (requestBody: unknown) => ({ body: requestBody });
  it.each([
    ['an unknown site', 'DELETE', '/v1/sites/site-nowhere-9/overrides/current', 404, 'site-nowhere-9', {}],
    ['an unknown site', 'GET', '/v1/sites/site-nowhere-9/switches', 404, 'site-nowhere-9', {}],
    ['a malformed site id', 'DELETE', '/v1/sites/Not_A_Site/overrides/current', 400, 'siteId', {}],
    ['a limit that is not a number', 'GET', '/v1/sites/site-west-1/switches?limit=abc', 400, 'limit', {}],
    ['a limit over 100', 'GET', '/v1/plans?limit=101', 400, 'limit', {}],
    ['an unknown query field', 'GET', '/v1/plans?page=2', 400, 'page', {}],
    [
      'a negative curtailment',
      'POST',
      '/v1/sites/site-west-1/overrides',
      400,
      'shedKw',
      post({ ...body, kind: 'curtail', mode: undefined, shedKw: -5 }),
    ],
    [
      'an expiry that is not a time',
      'POST',
      '/v1/sites/site-west-1/overrides',
      400,
      'expiresAt',
      post({ ...body, expiresAt: 'tomorrow' }),
    ],
  ])('answers %s on %s %s with %i naming %s', async (_what, method, path, status, named, options) => {
    // Act
    const response = await h.call(method, path, options);

    // Assess
    expect(response.status).toBe(status);
    expect(JSON.stringify(response.body.error)).toContain(named);
  });
});
