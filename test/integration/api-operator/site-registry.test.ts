import { resourceIndex } from '../../../core/ancillary/resources.js';
import { referenceSiteConfigs } from '../../../core/fleet/reference-fleet.js';
import { awardsFromQseMessage } from '../../../functions/ancillary/adapters/qse-award-feed.js';
import { useLocalSiteConfigPublisher } from '../../../functions/api/runtime.js';
import { MemorySiteConfigPublisher } from '../../../functions/fleet/adapters/memory-site-config-publisher.js';
import { fleetFromRegistry } from '../../../functions/fleet/registry-fleet.js';
import { listAudit } from '../../../functions/shared/data/audit-log.js';
import { DynamoSiteRegistryStore } from '../../../functions/shared/data/site-registry-store.js';
import { DynamoSwitchStateStore } from '../../../functions/shared/data/switch-state-store.js';
import { registrySiteConfig } from '../../support/fixtures.js';
import { type OperatorApiHarness, startOperatorApi } from './harness.js';

let h: OperatorApiHarness;
const publisher = new MemorySiteConfigPublisher();

beforeAll(async () => {
  h = await startOperatorApi({
    tableName: 'hcp-site-registry-test',
    seedSites: false,
    switchFlows: { start: async () => ({ executionArn: 'arn:aws:states:local:execution:SwitchFlow:none' }) },
  });
  useLocalSiteConfigPublisher(publisher);
});
afterAll(async () => {
  useLocalSiteConfigPublisher(undefined);
  await h?.stop();
});

const store = () => new DynamoSiteRegistryStore({ client: h.documents, tableName: h.tableName });

const FOURTH = registrySiteConfig();

describe('the site registry API (/v1/fleet/sites)', () => {
  it('registers a site as a new registry version, publishes its gateway configuration and audits it', async () => {
    // Act
    const created = await h.call('POST', '/v1/fleet/sites', { principalId: 'op-7', body: FOURTH });
    const read = await h.call('GET', '/v1/fleet/sites/site-east-1');

    // Assess
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(read.body).toMatchObject({ status: 'active', registryVersion: 1, gatewayThingName: 'site-east-1' });
    expect(read.body.stockPowerKw).toBeCloseTo(((800 * 3645 + 16 * 700) * 1.08) / 1000, 1);
    const published = publisher.latest('site-east-1');
    expect(published).toMatchObject({ siteId: 'site-east-1', registryVersion: 1, marketNode: 'LZ_WEST' });
    expect(published?.asicGroups[0]).toMatchObject({ driver: 'luxos', addresses: { kind: 'range', port: 4028 } });
    expect(published?.site.asicGroups[0]?.model).toBe('Antminer S21 XP');
    const fleet = await fleetFromRegistry(store());
    expect(fleet).toMatchObject({ registryVersion: 1, sites: [{ id: 'site-east-1', interconnectLimitMw: 5 }] });
    const audit = await listAudit({ client: h.documents, tableName: h.tableName }, 'platform', 100);
    expect(audit.items.map((e) => [e.action, e.actor, e.target])).toContainEqual([
      'site.create',
      'op-7',
      'site-east-1',
    ]);
  });

  it.each([
    ['an unknown model', { model: 'antminer-s99' }, 'asicGroups[0].model', 'unknown_model'],
    ['a fractional count', { unitCount: 10.5 }, 'asicGroups[0].unitCount', 'whole_number'],
    ['a non-positive count', { unitCount: 0 }, 'asicGroups[0].unitCount', 'positive'],
    ['stock power over the limit', { unitCount: 1600 }, 'asicGroups[0].unitCount', 'exceeds_interconnect_limit'],
  ])('refuses a group with %s (422 naming field and rule)', async (_, change, field, rule) => {
    // Prepare
    const body = {
      ...FOURTH,
      id: 'site-bad-1',
      asicGroups: [
        { ...FOURTH.asicGroups[0], ...change, addresses: { kind: 'range', first: '10.9.1.0', last: '10.9.15.255' } },
      ],
    };

    // Act
    const response = await h.call('POST', '/v1/fleet/sites', { body });

    // Assess
    expect(response.status).toBe(422);
    expect(response.body.error.issues).toContainEqual(expect.objectContaining({ field, rule }));
    expect(await store().get('site-bad-1')).toBeUndefined();
  });

  it('refuses an unknown market node and a duplicate address (422)', async () => {
    // Prepare
    const group = FOURTH.asicGroups[0]!;
    const body = {
      ...FOURTH,
      id: 'site-bad-2',
      marketNode: 'HB_MARS',
      asicGroups: [
        group,
        { ...group, id: 'east-s21xp-b', unitCount: 1, addresses: { kind: 'list', endpoints: ['10.9.2.7'] } },
      ],
    };

    // Act
    const response = await h.call('POST', '/v1/fleet/sites', { body });

    // Assess
    expect(response.status).toBe(422);
    expect(response.body.error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'marketNode', rule: 'unknown_market_node' }),
        expect.objectContaining({ field: 'asicGroups[1].addresses', rule: 'duplicate_address' }),
      ]),
    );
  });

  it('resizes one group with If-Match, and refuses a stale If-Match with 412', async () => {
    // Prepare
    const read = await h.call('GET', '/v1/fleet/sites/site-east-1');
    const etag = read.headers.get('etag')!;

    // Act
    const resized = await h.call('PATCH', '/v1/fleet/sites/site-east-1/asic-groups/east-s21xp-a', {
      headers: { 'if-match': etag },
      body: { unitCount: 700 },
    });
    const stale = await h.call('PATCH', '/v1/fleet/sites/site-east-1/asic-groups/east-s21xp-a', {
      headers: { 'if-match': etag },
      body: { unitCount: 600 },
    });

    // Assess
    expect(resized.status).toBe(200);
    expect(resized.body.site.asicGroups[0].unitCount).toBe(700);
    expect(Number(resized.headers.get('etag')!.replaceAll('"', ''))).toBeGreaterThan(Number(etag.replaceAll('"', '')));
    expect(stale.status).toBe(412);
    expect((await store().get('site-east-1'))?.config.asicGroups[0]?.unitCount).toBe(700);
  });

  it('gives concurrent registrations distinct versions, and of two edits sent with one If-Match takes one (412)', async () => {
    // Prepare
    const sites = [1, 2, 3, 4].map((n) => ({ ...FOURTH, id: `site-burst-${n}`, asicGroups: [], gpuPools: [] }));
    const before = await store().version();

    // Act
    const created = await Promise.all(sites.map((body) => h.call('POST', '/v1/fleet/sites', { body })));
    const etag = created[0]!.headers.get('etag')!;
    const edits = await Promise.all(
      [1.1, 1.2].map((pue) =>
        h.call('PATCH', '/v1/fleet/sites/site-burst-1', { headers: { 'if-match': etag }, body: { pue } }),
      ),
    );

    // Assess
    expect(created.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    const versions = created.map((r) => Number(r.headers.get('etag')!.replaceAll('"', '')));
    expect(new Set(versions).size).toBe(4);
    expect(Math.max(...versions)).toBe(before + 4);
    expect(edits.map((r) => r.status).sort()).toEqual([200, 412]);
    for (const site of sites) await h.call('POST', `/v1/fleet/sites/${site.id}/drain`);
    for (const site of sites) await h.call('POST', `/v1/fleet/sites/${site.id}/retire`);
  });

  it('names the field a group route sent, not its path in the site, when a registry rule refuses it', async () => {
    // Act: the fuzz found `asicGroups[0].model` named for a PATCH whose body is the group alone.
    const asic = await h.call('PATCH', '/v1/fleet/sites/site-east-1/asic-groups/east-s21xp-a', {
      body: { model: 'antminer-s99' },
    });
    const gpu = await h.call('PATCH', '/v1/fleet/sites/site-east-1/gpu-pools/east-h100-a', {
      body: { model: '-Infinity' },
    });

    // Assess
    expect([asic.status, gpu.status]).toEqual([422, 422]);
    expect(asic.body.error.issues.map((i: { field: string }) => i.field)).toEqual(['model']);
    expect(gpu.body.error.issues.map((i: { field: string }) => i.field)).toEqual(['model']);
  });

  it('adds and retires a GPU pool; the fleet follows', async () => {
    // Act
    const added = await h.call('POST', '/v1/fleet/sites/site-east-1/gpu-pools', {
      body: {
        id: 'east-h200-a',
        model: 'nvidia-h200-sxm',
        nodes: 1,
        gpusPerNode: 8,
        driver: 'nvidia-smi',
        servedModels: ['meta-llama/Llama-3.1-70B-Instruct'],
      },
    });
    const withPool = await fleetFromRegistry(store());
    const retired = await h.call('DELETE', '/v1/fleet/sites/site-east-1/gpu-pools/east-h200-a');
    const withoutPool = await fleetFromRegistry(store());

    // Assess
    expect([added.status, retired.status]).toEqual([201, 200]);
    expect(withPool.sites[0]?.gpuPools.map((p) => p.id)).toEqual(['east-h100-a', 'east-h200-a']);
    expect(withoutPool.sites[0]?.gpuPools.map((p) => p.id)).toEqual(['east-h100-a']);
  });

  it('takes a site’s ERCOT resources per product, refuses a bad or taken one by field, and maps awards with them', async () => {
    // Prepare: Non-Spin qualified; the resource first names a product and a group the site lacks.
    const qualifications = [{ product: 'NSPIN', maxOfferMw: 0.05 }];
    const bad = { qualifications, resources: [{ name: 'HCP_EAST_LR1', products: ['ECRS'], groupIds: ['east-s9-a'] }] };
    const good = { qualifications, resources: [{ name: 'HCP_EAST_LR1', products: ['NSPIN'] }] };

    // Act
    const refused = await h.call('PATCH', '/v1/fleet/sites/site-east-1', { body: { ancillary: bad } });
    const unchanged = await store().get('site-east-1');
    const taken = await h.call('PATCH', '/v1/fleet/sites/site-east-1', { body: { ancillary: good } });
    const second = await h.call('POST', '/v1/fleet/sites', {
      body: { ...FOURTH, id: 'site-east-2', name: 'East 2', ancillary: good },
    });
    const fleet = await fleetFromRegistry(store());

    // Assess: 422 naming each field; the record unchanged; then stored, and a second claim of the name refused.
    expect(refused.status).toBe(422);
    expect(refused.body.error.issues.map((i: { field: string; rule: string }) => `${i.field}:${i.rule}`)).toEqual([
      'ancillary.resources[0].products[0]:not_qualified',
      'ancillary.resources[0].groupIds[0]:unknown_group',
      'ancillary.resources:missing_resource',
    ]);
    expect(unchanged?.config.ancillary).toBeUndefined();
    expect(taken.status).toBe(200);
    expect(second.status).toBe(422);
    expect(second.body.error.issues).toEqual([
      expect.objectContaining({ field: 'ancillary.resources[0].name', rule: 'resource_taken' }),
    ]);
    // The award handler's mapping reads the registry's sites: the QSE's resource-level award lands on the site.
    const awards = awardsFromQseMessage(
      {
        qse: 'QHCP01',
        market: 'RTC',
        publishedAt: '2026-07-01T14:55:00Z',
        awards: [
          {
            resource: 'HCP_EAST_LR1',
            service: 'NSPIN',
            deliveryFrom: '2026-07-01T15:00:00Z',
            deliveryTo: '2026-07-01T15:05:00Z',
            awardedMw: 0.04,
            mcpcUsdPerMwh: 2.5,
          },
        ],
      },
      resourceIndex(fleet.sites),
    );
    expect(awards).toEqual([expect.objectContaining({ siteId: 'site-east-1', product: 'NSPIN', awardedMw: 0.04 })]);
  });

  it('refuses to retire an active site, and a drained one while a switch is in flight (409 naming it)', async () => {
    // Prepare
    const switches = new DynamoSwitchStateStore({ client: h.documents, tableName: h.tableName });
    const notDrained = await h.call('POST', '/v1/fleet/sites/site-east-1/retire');
    await h.call('POST', '/v1/fleet/sites/site-east-1/drain');
    await switches.put({
      siteId: 'site-east-1',
      status: 'commanded',
      executionName: 'plan-9-site-east-1',
      updatedAt: new Date().toISOString(),
    });

    // Act
    const blocked = await h.call('POST', '/v1/fleet/sites/site-east-1/retire');

    // Assess
    expect(notDrained.status).toBe(409);
    expect(notDrained.body.error.code).toBe('not-drained');
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.message).toContain('a switch is in flight (commanded, execution plan-9-site-east-1)');
    expect((await store().get('site-east-1'))?.status).toBe('draining');
  });

  it('retires a drained site once nothing blocks it: it leaves the fleet and refuses further changes', async () => {
    // Prepare
    const switches = new DynamoSwitchStateStore({ client: h.documents, tableName: h.tableName });
    await switches.put({
      siteId: 'site-east-1',
      status: 'committed',
      executionName: 'plan-9-site-east-1',
      updatedAt: new Date().toISOString(),
    });
    await h.call('POST', '/v1/fleet/sites', { body: referenceSiteConfigs[0] });

    // Act
    const retired = await h.call('POST', '/v1/fleet/sites/site-east-1/retire');
    const patch = await h.call('PATCH', '/v1/fleet/sites/site-east-1', { body: { pue: 1.1 } });
    const list = await h.call('GET', '/v1/fleet/sites');

    // Assess
    expect(retired.status).toBe(200);
    expect(retired.body.status).toBe('retired');
    expect(patch.status).toBe(409);
    expect((await fleetFromRegistry(store())).sites.map((s) => s.id)).toEqual(['site-west-1']);
    const listed = list.body.sites.filter((s: { site: { id: string } }) => !s.site.id.startsWith('site-burst-'));
    expect(listed.map((s: { site: { id: string }; status: string }) => [s.site.id, s.status])).toEqual([
      ['site-east-1', 'retired'],
      ['site-west-1', 'active'],
    ]);
  });
});
