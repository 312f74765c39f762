import { fillWorkloadIds } from '../../../core/bids/fill-work.js';
import { planSchema } from '../../../core/model/plan.js';
import type { Site } from '../../../core/model/site.js';
import { clearInterval } from '../../../functions/bids/clear-interval.js';
import { fillVenues } from '../../../functions/bids/fill-work.js';
import { StoreBidBook } from '../../../functions/bids/plan-clearing.js';
import { DynamoBidStore } from '../../../functions/shared/data/bid-store.js';
import { DynamoJobStore } from '../../../functions/shared/data/job-store.js';
import { DynamoPlanStore } from '../../../functions/shared/data/plan-store.js';
import { DynamoWebhookStore } from '../../../functions/shared/data/webhook-store.js';
import { DynamoWorkloadStore } from '../../../functions/shared/data/workload-store.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { startVirtualPartner, type VirtualPartner } from '../../../sim/partner/virtual-partner.js';
import { createLocalWorkloadEvents } from '../../../sim/platform/local-webhook-events.js';
import { type LocalPartnerOverflow, startLocalPartnerOverflow } from '../../../sim/platform/partner-overflow.js';
import { SimClock } from '../../../sim/platform/sim-clock.js';
import { type LocalRouting, startLocalRouting } from '../../../sim/platform/workload-routing.js';
import { type ApiHarness, startApiHarness } from '../api/harness.js';
import { type GpuSites, smallSite, startGpuSites, until } from '../routing/gpu-sites.js';

/** Sites serve the 8B model; the 70B class gets no site capacity in the spike (only a partner can take it). */
const SITE_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const PARTNER_MODEL = 'meta-llama/Llama-3.1-70B-Instruct';
const SITES = [smallSite('site-west-1'), smallSite('site-south-1')];
const PARTNER = 'partner-virtual';
const HOUR_MS = 3_600_000;
const MARKUP = 0.25;
/** 30 simulated seconds per real second: a 0.02 GPU-hour fill of the 8B model (432,000 tokens) runs in ~12 s. */
const clock = new SimClock(Date.now(), 30);

/**
 * The plan over a price spike: south curtailed in its first hour, west serving 16 GPUs and giving the two 8B bids
 * their GPU-hours; nothing for the 70B class.
 */
function spikePlan(nowMs: number, sites: readonly Site[], bidGpuHours: Record<string, number>) {
  const at = (h: number) => new Date(nowMs + h * HOUR_MS).toISOString();
  return planSchema.parse({
    version: 1,
    createdAt: at(0),
    horizonStart: at(0),
    intervalMinutes: 60,
    sites: sites.map((site, i) => ({
      siteId: site.id,
      intervals: [0, 1, 2].map((h) => {
        const gpus = i === 1 && h === 0 ? 0 : 16;
        return {
          startsAt: at(h),
          asicGroups: [],
          gpuPools: [{ poolId: site.gpuPools[0]!.id, gpusPowered: gpus, gpusServing: gpus }],
          sitePowerKw: gpus,
        };
      }),
      ladder: [],
      ...(i === 0 ? { bidGpuHours } : {}),
    })),
    solver: { mode: 'heuristic', status: 'test', objectiveUsd: 0, solveMs: 0 },
  });
}

describe('the bid market on the local platform: two tenants’ bids over a price spike, at sites, at a partner, refused', () => {
  let broker: RunningMqttBroker;
  let api: ApiHarness;
  let partner: VirtualPartner;
  let sites: GpuSites | undefined;
  let routing: LocalRouting | undefined;
  let overflow: LocalPartnerOverflow | undefined;
  let cloud: MessagingPort | undefined;

  beforeAll(async () => {
    broker = await startMqttBroker();
    api = await startApiHarness({ tableName: 'hcp-bid-market-test', clock, seedSites: false });
    partner = await startVirtualPartner({
      partnerId: PARTNER,
      apiKey: 'pk-test',
      models: [PARTNER_MODEL, SITE_MODEL].map((modelId) => ({
        modelId,
        inputUsdPerMillionTokens: 0.2,
        outputUsdPerMillionTokens: 0.6,
        outputTokensPerSec: 2000,
      })),
      speed: 100,
    });
  });

  afterAll(async () => {
    await routing?.stop();
    await overflow?.stop();
    await sites?.stop();
    await cloud?.close();
    await partner?.close();
    await api?.stop();
    await broker?.stop();
  });

  it('runs site fills on the GpuWorkers, partner fills at the partner, refuses the rest with the reason, and bills the fills', async () => {
    // Prepare: the partner catalogue; tenant a allows the partner, tenant b has no partner settings
    const admin = api.demo.adminApiKey;
    expect(
      (await api.call('PUT', '/v1/partners', { key: admin, body: { partners: [partner.catalogueEntry(MARKUP)] } }))
        .status,
    ).toBe(200);
    const keys = {
      a: (await api.api.seedDemoTenant('tenant-a')).apiKey,
      b: (await api.api.seedDemoTenant('tenant-b')).apiKey,
    };
    const adminA = await api.api.issueApiKey('tenant-a', 'customer-admin');
    const settings = { allowedPartnerIds: [PARTNER], dataRegions: ['eu'], maxPriceUsdPerMillionTokens: 2 };
    expect((await api.call('PUT', '/v1/partner-settings', { key: adminA, body: settings })).status).toBe(200);
    // The platform: GPU sites with their workers, the router, the partner runner (started first: the bids below are
    // placed, and cleared, on a clock running 30 times real time)
    sites = await startGpuSites(broker.url, SITES, { modelId: SITE_MODEL, slotsPerNode: 4, clock });
    cloud = await connectMqttPort({ url: broker.url, clientId: 'cloud-bids' });
    const store = { client: api.documents, tableName: api.tableName };
    const events = createLocalWorkloadEvents({ webhooks: new DynamoWebhookStore(store) });
    overflow = startLocalPartnerOverflow({
      ...store,
      clock,
      events,
      credentials: { apiKey: async () => 'pk-test' },
      onRequeued: () => void routing?.kick(),
    });
    routing = await startLocalRouting({ ...store, sites: SITES, messaging: cloud, clock, events, pollMs: 100 });
    const workloads = new DynamoWorkloadStore(store);
    const jobs = new DynamoJobStore(store, workloads);
    const bidStore = new DynamoBidStore(store);
    const book = new StoreBidBook(
      bidStore,
      60,
      fillVenues({ workloads, jobs, partners: overflow, events, clock, onCreated: () => void routing?.kick() }),
    );

    const nowMs = clock.nowMs();
    const place = async (key: string, over: Record<string, unknown>) => {
      const res = await api.call('POST', '/v1/bids', {
        key,
        body: {
          gpuHours: 0.02,
          maxGpus: 1,
          earliestStartAt: new Date(nowMs).toISOString(),
          deadlineAt: new Date(nowMs + 2 * HOUR_MS).toISOString(),
          ...over,
        },
      });
      expect(res.status).toBe(201);
      return { key, id: res.body.id as string, tenantId: res.body.tenantId as string };
    };
    // Due within the spike's hour: too soon to wait for the next interval (the partner's or nobody's).
    const soon = new Date(nowMs + 50 * 60_000).toISOString();
    const bids = {
      siteA: await place(keys.a, { modelClass: SITE_MODEL, limitUsdPerGpuHour: 4 }),
      siteB: await place(keys.b, { modelClass: SITE_MODEL, limitUsdPerGpuHour: 3.5 }),
      partnerA: await place(keys.a, { modelClass: PARTNER_MODEL, limitUsdPerGpuHour: 5, deadlineAt: soon }),
      overLimitA: await place(keys.a, { modelClass: PARTNER_MODEL, limitUsdPerGpuHour: 2, deadlineAt: soon }),
      notAllowedB: await place(keys.b, { modelClass: PARTNER_MODEL, limitUsdPerGpuHour: 5, deadlineAt: soon }),
      cancelledA: await place(keys.a, { modelClass: PARTNER_MODEL, limitUsdPerGpuHour: 6, deadlineAt: soon }),
    };
    const cancel = await api.call('POST', `/v1/bids/${bids.cancelledA.id}/cancel`, { key: keys.a });
    expect(cancel.status).toBe(200);
    const plan = spikePlan(nowMs, SITES, { [bids.siteA.id]: 0.02, [bids.siteB.id]: 0.02 });
    await new DynamoPlanStore({ client: api.documents, tableName: api.tableName }).save(plan);

    // Act: the planner's clearing of the spike's first hour, then the same step again (a retried step)
    await book.clearPlan(plan, clock.nowMs());
    await book.clearPlan(plan, clock.nowMs());
    const read = async (tenantKey: string, id: string) =>
      (await api.call('GET', `/v1/bids/${id}`, { key: tenantKey })).body;
    const filledA = await read(keys.a, bids.siteA.id);
    const partnerFilled = await read(keys.a, bids.partnerA.id);
    const partIds = [
      ...fillWorkloadIds(filledA, filledA.fills[0]).map((id) => ({ key: keys.a, id })),
      ...fillWorkloadIds(partnerFilled, partnerFilled.fills[0]).map((id) => ({ key: keys.a, id })),
    ];
    const filledB = await read(keys.b, bids.siteB.id);
    partIds.push(...fillWorkloadIds(filledB, filledB.fills[0]).map((id) => ({ key: keys.b, id })));
    const workload = async (w: { key: string; id: string }) =>
      (await api.call('GET', `/v1/workloads/${w.id}`, { key: w.key })).body;
    await until('every fill’s work completed', async () =>
      (await Promise.all(partIds.map(workload))).every((w) => w.status === 'completed'),
    );
    // The refused bids' deadline passes: the next clearing expires them with the reason
    const afterDeadline = new Date(Date.parse(soon) + 60_000).toISOString();
    await clearInterval(
      bidStore,
      {
        intervalStart: afterDeadline,
        intervalEnd: new Date(Date.parse(afterDeadline) + HOUR_MS).toISOString(),
        capacityGpuHoursByClass: {},
        nowIso: afterDeadline,
      },
      { partners: overflow },
    );

    // Assess: site fills at the uniform price (the lower accepted limit), their work on the sites' GpuWorkers
    expect(filledA.fills).toEqual([
      expect.objectContaining({ venue: 'site', gpuHours: 0.02, priceUsdPerGpuHour: 3.5, amountUsd: 0.07 }),
    ]);
    expect(filledB.fills).toEqual([
      expect.objectContaining({ venue: 'site', gpuHours: 0.02, priceUsdPerGpuHour: 3.5, amountUsd: 0.07 }),
    ]);
    const parts = await Promise.all(partIds.map(workload));
    const siteParts = parts.filter((w) => w.modelId === SITE_MODEL);
    expect(siteParts.map((w) => w.siteId).every((id) => id === 'site-west-1')).toBe(true);
    expect(parts.every((w) => w.tier === 'bid')).toBe(true);
    // The partner fill: cost + margin per GPU-hour from the partner's per-token price, run there
    const tokensPerGpuHour = 900 * 3600;
    const cost = Math.round(((0.02 * Math.round((tokensPerGpuHour / 1e6) * 0.6 * 1e6)) / 1e6) * 1e6) / 1e6;
    expect(partnerFilled.fills).toEqual([
      expect.objectContaining({ venue: 'partner', partnerId: PARTNER, gpuHours: 0.02, partnerCostUsd: cost }),
    ]);
    const pf = partnerFilled.fills[0];
    expect(Math.round((pf.partnerCostUsd + pf.marginUsd) * 1e6) / 1e6).toBe(pf.amountUsd);
    expect(pf.priceUsdPerGpuHour).toBeLessThanOrEqual(5);
    expect(parts.filter((w) => w.modelId === PARTNER_MODEL).every((w) => w.siteId === PARTNER)).toBe(true);
    // Each fill's work as its bid shows it: completed, nothing credited
    for (const [key, id] of [
      [keys.a, bids.siteA.id],
      [keys.b, bids.siteB.id],
      [keys.a, bids.partnerA.id],
    ] as const) {
      const fill = (await read(key, id)).fills[0];
      expect(fill.work).toMatchObject({ status: 'completed', partsMissed: 0, creditUsd: 0 });
    }
    // Run once each: the retried clearing created no second job, the partner served the 70B part once
    const served = partner.served.filter((s) => s.status === 200);
    expect(served.map((s) => s.model)).toEqual([PARTNER_MODEL]);
    // Refused with the reason, in the clearing history and on the bid once expired
    const records = await bidStore.clearings(plan.horizonStart, plan.horizonStart);
    const skipped = records.flatMap((r) => r.skipped);
    expect(skipped).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ bidId: bids.overLimitA.id, reason: 'partner_over_limit' }),
        expect.objectContaining({ bidId: bids.notAllowedB.id, reason: 'partner_not_allowed' }),
      ]),
    );
    expect(await read(keys.a, bids.overLimitA.id)).toMatchObject({
      status: 'expired',
      unfilledReason: 'partner_over_limit',
      fills: [],
    });
    expect(await read(keys.b, bids.notAllowedB.id)).toMatchObject({
      status: 'expired',
      unfilledReason: 'partner_not_allowed',
      fills: [],
    });
    // The cancelled bid: never filled, never offered
    expect(await read(keys.a, bids.cancelledA.id)).toMatchObject({ status: 'cancelled', fills: [] });
    expect(skipped.map((s) => s.bidId)).not.toContain(bids.cancelledA.id);
    // Statements: each tenant's bid section is its fills exactly, nothing credited (all work ran in time)
    const period = new Date(nowMs).toISOString().slice(0, 7);
    const statementA = (await api.call('GET', `/v1/usage/statement?period=${period}`, { key: keys.a })).body;
    const statementB = (await api.call('GET', `/v1/usage/statement?period=${period}`, { key: keys.b })).body;
    expect(statementA.bidFills).toMatchObject({
      gpuHours: 0.04,
      amountUsd: Math.round((0.07 + pf.amountUsd) * 1e6) / 1e6,
      creditUsd: 0,
    });
    expect(statementB.bidFills).toMatchObject({ gpuHours: 0.02, amountUsd: 0.07, creditUsd: 0, dueUsd: 0.07 });
    // Bid work bills nothing on its attempts, and is not counted as partner resale
    expect(statementA.byTier.bid.priceUsd).toBe(0);
    expect(statementA.partner.attempts).toBe(0);
    console.log(
      JSON.stringify({
        sitePartsCompleted: siteParts.length,
        partnerParts: parts.length - siteParts.length,
        refused: skipped.map((s) => s.reason),
        statementA: statementA.bidFills,
        statementB: statementB.bidFills,
      }),
    );
  });
});
