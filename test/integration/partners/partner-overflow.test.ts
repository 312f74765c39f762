import { randomUUID } from 'node:crypto';
import { planSchema } from '../../../core/model/plan.js';
import type { Site } from '../../../core/model/site.js';
import { roundUsd } from '../../../core/routing/pricing.js';
import { systemClock } from '../../../core/support/clock.js';
import { DynamoPlanStore } from '../../../functions/shared/data/plan-store.js';
import { DynamoWebhookStore } from '../../../functions/shared/data/webhook-store.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { startVirtualPartner, type VirtualPartner } from '../../../sim/partner/virtual-partner.js';
import { createLocalWorkloadEvents } from '../../../sim/platform/local-webhook-events.js';
import { type LocalPartnerOverflow, startLocalPartnerOverflow } from '../../../sim/platform/partner-overflow.js';
import { type LocalRouting, startLocalRouting } from '../../../sim/platform/workload-routing.js';
import { type ApiHarness, startApiHarness } from '../api/harness.js';
import { smallSite, until } from '../routing/gpu-sites.js';
import { MODEL, offer } from './fixtures.js';

const SITES = [smallSite('site-west-1'), smallSite('site-south-1')];
const PARTNER = 'partner-virtual';
const OFFER = offer(500);
const HOUR_MS = 3_600_000;

/**
 * The plan OptimizeFlow persists over a price spike: every site's GPUs off from a minute ago for an hour, back after
 * it (the spike's end), so the fleet finishes nothing due within the hour.
 */
function spikePlan(nowMs: number, sites: readonly Site[]) {
  const spikeFrom = new Date(nowMs - 60_000).toISOString();
  const spikeTo = new Date(nowMs - 60_000 + HOUR_MS).toISOString();
  const interval = (startsAt: string, site: Site, gpus: number) => ({
    startsAt,
    asicGroups: [],
    gpuPools: [{ poolId: site.gpuPools[0]!.id, gpusPowered: gpus, gpusServing: gpus }],
    sitePowerKw: gpus,
  });
  return planSchema.parse({
    version: 1,
    createdAt: new Date(nowMs).toISOString(),
    horizonStart: spikeFrom,
    intervalMinutes: 60,
    sites: sites.map((site) => ({
      siteId: site.id,
      intervals: [interval(spikeFrom, site, 0), interval(spikeTo, site, 16)],
      ladder: [],
    })),
    solver: { mode: 'heuristic', status: 'test', objectiveUsd: 0, solveMs: 0 },
  });
}

describe('partner overflow on the local platform: a price spike curtails the sites, work goes to a partner over HTTP', () => {
  let broker: RunningMqttBroker;
  let api: ApiHarness;
  let partner: VirtualPartner;
  let routing: LocalRouting | undefined;
  let overflow: LocalPartnerOverflow | undefined;
  let cloud: MessagingPort | undefined;

  beforeAll(async () => {
    broker = await startMqttBroker();
    api = await startApiHarness({ tableName: 'hcp-partner-test' });
    partner = await startVirtualPartner({ partnerId: PARTNER, apiKey: 'pk-test', models: [OFFER], speed: 20 });
  });

  afterAll(async () => {
    await routing?.stop();
    await overflow?.stop();
    await cloud?.close();
    await partner?.close();
    await api?.stop();
    await broker?.stop();
  });

  it('sends allowing tenants’ work to the partner, refuses the others with the reason, and bills each attempt once', async () => {
    // Prepare: the catalogue (admin), two tenants, one allowing the partner; the spike's plan; the router
    const admin = api.demo.adminApiKey;
    const catalogue = await api.call('PUT', '/v1/partners', {
      key: admin,
      body: { partners: [partner.catalogueEntry(0.25)] },
    });
    expect(catalogue.status).toBe(200);
    const keys = {
      a: (await api.api.seedDemoTenant('tenant-a')).apiKey,
      b: (await api.api.seedDemoTenant('tenant-b')).apiKey,
    };
    const adminA = await api.api.issueApiKey('tenant-a', 'customer-admin');
    const settings = { allowedPartnerIds: [PARTNER], dataRegions: ['eu'], maxPriceUsdPerMillionTokens: 2 };
    const unknown = await api.call('PUT', '/v1/partner-settings', {
      key: adminA,
      body: { ...settings, allowedPartnerIds: ['partner-nobody'] },
    });
    const wrongRegion = await api.call('PUT', '/v1/partner-settings', {
      key: adminA,
      body: { ...settings, dataRegions: ['us'] },
    });
    const put = await api.call('PUT', '/v1/partner-settings', { key: adminA, body: settings });
    expect([unknown.status, wrongRegion.status, put.status]).toEqual([422, 422, 200]);
    expect(unknown.body.error.issues[0]).toMatchObject({ field: 'allowedPartnerIds[0]', rule: 'unknown_partner' });
    expect(wrongRegion.body.error.issues[0]).toMatchObject({ rule: 'outside_data_regions' });
    await new DynamoPlanStore({ client: api.documents, tableName: api.tableName }).save(spikePlan(Date.now(), SITES));
    cloud = await connectMqttPort({ url: broker.url, clientId: 'cloud-partners' });
    const events = createLocalWorkloadEvents({
      webhooks: new DynamoWebhookStore({ client: api.documents, tableName: api.tableName }),
    });
    overflow = startLocalPartnerOverflow({
      client: api.documents,
      tableName: api.tableName,
      clock: systemClock,
      events,
      credentials: { apiKey: async (id) => (id === PARTNER ? 'pk-test' : Promise.reject(new Error('no key'))) },
      onRequeued: () => void routing?.kick(),
    });
    routing = await startLocalRouting({
      client: api.documents,
      tableName: api.tableName,
      sites: SITES,
      messaging: cloud,
      clock: systemClock,
      events,
      partners: overflow,
      pollMs: 100,
    });

    // Act: tenant a: four jobs due in 10 minutes (the partner's first answer a 503 the client retries; one job's
    // attempt refused by the partner for good, which sends it back in line off that partner), one over its cap, one
    // due after the spike; tenant b (no partner settings): one job due in 10 minutes
    partner.failNext(1, 503);
    const submit = async (key: string, body: Record<string, unknown>) => {
      const res = await api.call('POST', '/v1/workloads', { key, body, headers: { 'Idempotency-Key': randomUUID() } });
      expect(res.status).toBe(201);
      return { key, id: res.body.id as string };
    };
    const soon = new Date(Date.now() + 600_000).toISOString();
    const job = (outputTokens: number, extra: Record<string, unknown> = {}) => ({
      modelId: MODEL,
      inputTokens: 400,
      outputTokens,
      tier: 'flex',
      deadline: soon,
      maxPriceUsd: 1,
      ...extra,
    });
    const toPartner = [];
    for (const out of [2000, 3000, 4000]) toPartner.push(await submit(keys.a, job(out)));
    await until('three partner attempts ended', () => overflow!.outcomes.length >= 3);
    partner.failNext(1, 400);
    const failedAtPartner = await submit(keys.a, job(1000));
    const overCap = await submit(keys.a, job(1000, { maxPriceUsd: 0.000002 }));
    const afterSpike = await submit(keys.a, job(1000, { deadline: new Date(Date.now() + 3 * HOUR_MS).toISOString() }));
    const tenantB = await submit(keys.b, job(2000));
    const read = async (w: { key: string; id: string }) =>
      (await api.call('GET', `/v1/workloads/${w.id}`, { key: w.key })).body;
    const ended = [...toPartner, failedAtPartner, overCap, tenantB];
    await until('every job due in the spike ended', async () =>
      (await Promise.all(ended.map(read))).every((w) => ['completed', 'failed'].includes(w.status)),
    );

    // Assess: partner jobs completed there; the failed one refused after its retry found no partner; the others
    // refused naming why no partner took them; the late job waits at a site for the spike's end
    for (const w of await Promise.all(toPartner.map(read))) {
      expect(w).toMatchObject({ status: 'completed', siteId: PARTNER });
    }
    const failed = await read(failedAtPartner);
    expect(failed.status).toBe('failed');
    expect(failed.attempt).toBe(2);
    expect(failed.reason).toMatch(/^deadline-infeasible: .*no partner: partner-virtual failed an earlier attempt/);
    expect((await read(overCap)).reason).toMatch(/no partner: partner-virtual quotes .* above the maximum/);
    const refusedB = await read(tenantB);
    expect(refusedB).toMatchObject({ status: 'failed' });
    expect(refusedB.reason).toMatch(/^deadline-infeasible: .*; no partner: the tenant allows no partner cloud$/);
    const late = await read(afterSpike);
    expect(late.status).toBe('queued');
    expect(SITES.map((s) => s.id)).toContain(late.siteId);
    // The partner served 3 jobs (plus the 503 and the 400 it refused), nothing twice
    const ok = partner.served.filter((s) => s.status === 200);
    expect(ok.map((s) => s.completionTokens).sort()).toEqual([2000, 3000, 4000]);
    expect(partner.served.filter((s) => s.status !== 200).map((s) => s.status)).toEqual([503, 400]);

    // Statements add up: lines to totals, partner price = cost + margin, cost = what the partner served at its prices
    const month = new Date().toISOString().slice(0, 7);
    const statement = (await api.call('GET', `/v1/usage/statement?period=${month}`, { key: keys.a })).body;
    expect(statement.lines).toHaveLength(3);
    const micro = (xs: number[]) => xs.reduce((s, x) => s + Math.round(x * 1e6), 0) / 1e6;
    expect(statement.totals.priceUsd).toBe(micro(statement.lines.map((l: { priceUsd: number }) => l.priceUsd)));
    const expectedCost = micro(
      ok.map((s) =>
        roundUsd(
          (s.promptTokens * OFFER.inputUsdPerMillionTokens + s.completionTokens * OFFER.outputUsdPerMillionTokens) /
            1e6,
        ),
      ),
    );
    expect(statement.partner).toMatchObject({ attempts: 3, partnerCostUsd: expectedCost });
    expect(statement.partner.priceUsd).toBe(statement.totals.priceUsd);
    expect(micro([statement.partner.partnerCostUsd, statement.partner.marginUsd])).toBe(statement.partner.priceUsd);
    expect(statement.partner.marginUsd).toBeGreaterThan(0);
    const statementB = (await api.call('GET', `/v1/usage/statement?period=${month}`, { key: keys.b })).body;
    expect(statementB.lines).toEqual([]);
    const figures = await api.call('GET', `/v1/fleet/gpu-figures?period=${month}`, { key: api.demo.operatorApiKey });
    expect(figures.body.partner).toMatchObject({ attempts: 3, shareOfCompletedJobs: 1 });
    expect(figures.body.revenueUsd).toBe(0);
  });
});
