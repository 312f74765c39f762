import { randomUUID } from 'node:crypto';
import { referenceSiteConfigs } from '../../../core/fleet/reference-fleet.js';
import { siteModelOf } from '../../../core/fleet/site-config.js';
import { catalogEntry, modelCatalogSeed } from '../../../core/gpu/model-catalog.js';
import { marketTopic } from '../../../core/messages/topics.js';
import type { PoolServingState } from '../../../core/serving/deployment-shadow.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import { ShadowSiteConfigPublisher } from '../../../sim/local/shadow-site-config-publisher.js';
import { type GpuWork, startGpuWork } from '../../../sim/platform/gpu-work.js';
import { type LocalMqtt, startLocalMqtt } from '../../../sim/platform/local-mqtt.js';
import { SimClock } from '../../../sim/platform/sim-clock.js';
import { type SimulatedSiteHardware, startSimulatedSiteHardware } from '../../../sim/platform/start/shadow-site.js';
import { until } from '../../support/until.js';
import { type ApiHarness, startApiOnBroker } from '../api/harness.js';

/**
 * Model serving's done-when on the local platform as `npm start` composes it: the API on DynamoDB Local (the
 * reference fleet registered through it), the TLS broker with its Device Shadow service, Pecos West's virtual GPU
 * nodes behind their agent and OpenAI APIs, its GpuWorker on the broker running the deployments from the shadow, and
 * the cloud's routing. Everything the test does goes through the API: a new version registered and deployed, the
 * customers' workloads, the deployment's state read back. The clock runs at 30× (a 60 s warm-up is 2 s).
 */

const TABLE = 'hcp-model-serving-platform-test';
const SPEED = 30;
const clock = new SimClock(Date.parse('2026-07-01T15:00:00Z'), SPEED);
const WEST = referenceSiteConfigs.find((s) => s.id === 'site-west-1')!;
const POOL_ID = 'west-h100-a';
const LLAMA_8B = catalogEntry(modelCatalogSeed, 'meta-llama/Llama-3.1-8B-Instruct')!;
const { modelId: _id, version: _v, ...V1_BODY } = LLAMA_8B;
const V2 = 'b5c1d2e';
const PRICE_USD_PER_MWH = 42;

let mqtt: LocalMqtt;
let api: ApiHarness;
let hardware: SimulatedSiteHardware;
let gpuWork: GpuWork;
let market: MessagingPort;

const operator = (method: string, path: string, body?: unknown) => api.operator(method, path, body);
const serving = async (): Promise<PoolServingState | null> => {
  const listed = await operator('GET', `/v1/sites/${WEST.id}/deployments`);
  return listed.body.deployments.find((d: { poolId: string }) => d.poolId === POOL_ID)?.serving ?? null;
};
const countsOf = (state: PoolServingState | null, version: string) =>
  state?.replicas.find((r) => r.version === version);
const replicaCount = (state: PoolServingState | null, version: string, phase: 'ready' | 'warming' | 'loading') =>
  countsOf(state, version)?.[phase] ?? 0;
const allReplicas = (state: PoolServingState | null) =>
  (state?.replicas ?? []).reduce((s, c) => s + c.loading + c.warming + c.ready + c.draining, 0);

async function submit(tier: 'guaranteed' | 'flex', outputTokens: number): Promise<string> {
  const submitted = await api.call('POST', '/v1/workloads', {
    key: api.demo.apiKey,
    headers: { 'Idempotency-Key': randomUUID() },
    body: {
      modelId: LLAMA_8B.modelId,
      inputTokens: 200,
      outputTokens,
      tier,
      deadline: new Date(clock.nowMs() + 6 * 3_600_000).toISOString(),
      maxPriceUsd: 50,
    },
  });
  expect(submitted.status).toBe(201);
  return submitted.body.id;
}
const workload = async (id: string) => (await api.call('GET', `/v1/workloads/${id}`, { key: api.demo.apiKey })).body;

beforeAll(async () => {
  mqtt = await startLocalMqtt(undefined, clock);
  api = await startApiOnBroker(mqtt, { tableName: TABLE, clock });
  hardware = await startSimulatedSiteHardware({ record: WEST, clock, seed: 7, asics: 1, gpuNodes: 2 });
  // The site's gateway identity, as its onboarding gives it (its GpuWorker shares the core's certificate).
  await mqtt.onboardGateway(WEST.id);
  const site = siteModelOf(WEST);
  gpuWork = await startGpuWork({
    sites: [site],
    gpuNodes: [{ siteId: WEST.id, endpoints: hardware.fleet.endpoints.filter((e) => e.kind === 'gpu') }],
    unitsPerNode: () => 8,
    brokerUrl: mqtt.broker.url,
    tls: { gateway: (siteId) => mqtt.gatewayTls(siteId), controlPlane: mqtt.controlPlane },
    client: api.documents,
    tableName: TABLE,
    simClock: clock,
    deployments: { publisher: new ShadowSiteConfigPublisher(mqtt.shadows) },
  });
  // The market relays the site's price, as the control loop's ingestion does at each interval.
  market = await connectMqttPort({ url: mqtt.broker.url, clientId: 'hcp-cloud-market-test', mqtt: mqtt.controlPlane });
  const price = { kind: 'price', at: new Date(clock.nowMs()).toISOString(), node: WEST.marketNode };
  await market.publish(
    'cloud',
    marketTopic(WEST.marketNode),
    JSON.stringify({ ...price, priceUsdPerMwh: PRICE_USD_PER_MWH }),
    1,
  );
}, 180_000);

afterAll(async () => {
  await market?.close();
  await gpuWork?.stop();
  await hardware?.fleet.stop();
  await mqtt?.stop();
  await api?.stop();
});

describe('model serving on the running local platform, through the API', () => {
  it('starts with the catalog model deployed on the pool, warming a replica when work arrives', async () => {
    // Prepare: the deployment the platform made at start, reported by the site's GpuWorker.
    const atStart = await until('the start deployment reported', async () => (await serving()) ?? undefined);

    // Act
    const id = await submit('flex', 400);
    const answered = await until('the request answered', async () => {
      const view = await workload(id);
      return view.status === 'completed' ? view : undefined;
    });
    const warm = await serving();

    // Assess
    expect(atStart).toMatchObject({ modelId: LLAMA_8B.modelId, version: LLAMA_8B.version });
    expect(answered.siteId).toBe(WEST.id);
    expect(replicaCount(warm, LLAMA_8B.version, 'ready')).toBeGreaterThanOrEqual(1);
    expect(warm?.warmups).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('rolls a new version across the pool without dropping requests', async () => {
    // Prepare: the new version in the catalog; a customer sending work all along.
    const registered = await api.call('PUT', `/v1/model-catalog/meta-llama/Llama-3.1-8B-Instruct/versions/${V2}`, {
      key: api.demo.adminApiKey,
      body: { ...V1_BODY, weightsUri: `hf://meta-llama/Llama-3.1-8B-Instruct@${V2}` },
    });
    expect(registered.status).toBe(200);
    const sent: string[] = [];
    let sending = true;
    // Enough in hand (more than one replica's batch of 8) that the pool runs both nodes.
    const traffic = (async () => {
      while (sending) {
        sent.push(await submit('flex', 120_000));
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await until('both replicas of the first version ready', async () => {
      const state = await serving();
      return replicaCount(state, LLAMA_8B.version, 'ready') === 2 ? state : undefined;
    }).catch((error: unknown) => {
      sending = false;
      throw error;
    });

    // Act
    const put = await operator('PUT', `/v1/sites/${WEST.id}/gpu-pools/${POOL_ID}/deployment`, {
      modelId: LLAMA_8B.modelId,
      version: V2,
    });
    const seen: PoolServingState[] = [];
    const rolled = await until(
      'every replica on the new version and ready',
      async () => {
        const state = await serving();
        if (state) seen.push(state);
        const v1 = countsOf(state, LLAMA_8B.version);
        const v1Serving = v1 ? v1.loading + v1.warming + v1.ready : 0;
        return replicaCount(state, V2, 'ready') === 2 && v1Serving === 0 ? state : undefined;
      },
      {
        timeoutMs: 120_000,
        detail: () => ({
          last: seen.at(-1),
          worker: gpuWork.workers[0]!.view(),
          nodes: hardware.fleet.gpuNodes.map(({ node }) => node.replicas()),
        }),
      },
    ).finally(() => {
      sending = false;
    });
    await traffic;
    const answered = await until('every request answered', async () => {
      const views = await Promise.all(sent.map(workload));
      return views.every((v) => v.status === 'completed' || v.status === 'failed') ? views : undefined;
    });

    // Assess
    expect(put.status).toBe(200);
    expect(rolled?.version).toBe(V2);
    expect(seen.some((s) => replicaCount(s, V2, 'warming') + replicaCount(s, V2, 'loading') > 0)).toBe(true);
    const completed = answered.filter((v) => v.status === 'completed').length;
    const failures = answered.filter((v) => v.status !== 'completed').map((v) => v.reason);
    console.info(`rollout: ${sent.length} requests sent, ${completed} answered; failed: ${JSON.stringify(failures)}`);
    expect(sent.length).toBeGreaterThan(10);
    expect(completed).toBe(sent.length);
  }, 180_000);

  it('scales the pool to zero when idle and back on demand, the warm-up charged as the node metered it', async () => {
    // Prepare: nothing asked of the pool.
    const before = await serving();
    await until(
      'the pool scaled to zero',
      async () => {
        const state = await serving();
        return state && allReplicas(state) === 0 ? state : undefined;
      },
      {
        timeoutMs: 90_000,
        detail: () => ({
          worker: gpuWork.workers[0]!.view(),
          pool: gpuWork.workers[0]!.serving()?.state(),
          nodes: hardware.fleet.gpuNodes.map(({ node }) => node.replicas()),
        }),
      },
    );

    // Act: one request for the model.
    const id = await submit('guaranteed', 400);
    const node = await until(
      'a replica warming on a node',
      () => hardware.fleet.gpuNodes.find(({ node: n }) => n.replicas().some((r) => r.state !== 'ready')),
      {
        detail: () => ({
          worker: gpuWork.workers[0]!.view(),
          pool: gpuWork.workers[0]!.serving()?.state(),
          nodes: hardware.fleet.gpuNodes.map(({ node: n }) => n.replicas()),
          runs: gpuWork.routing.runs.slice(-2),
        }),
      },
    );
    const replica = node.node.replicas()[0]!;
    // The counter is read between two clock readings (the clock runs on): its time is their midpoint.
    const energyAt = () => {
      const beforeMs = clock.nowMs();
      const mj = replica.gpuIndexes.reduce((s, g) => s + node.node.readings()[g]!.energyMj, 0);
      return { atMs: (beforeMs + clock.nowMs()) / 2, mj };
    };
    const first = energyAt();
    const secondAtMs = Math.min(first.atMs + 40_000, replica.readyAtMs - 5_000);
    await until('most of the warm-up metered', () => clock.nowMs() >= secondAtMs);
    const second = energyAt();
    expect(second.atMs).toBeLessThan(replica.readyAtMs);
    const done = await until('the request answered', async () => {
      const view = await workload(id);
      return view.status === 'completed' ? view : undefined;
    });
    const after = await until('the warm-up reported', async () => {
      const state = await serving();
      return state && state.warmups > (before?.warmups ?? 0) ? state : undefined;
    });

    // Assess: the warm-up's energy booked against the plan is the node's warm-up draw over the warm-up.
    const warmupPowerW = (second.mj - first.mj) / 1000 / ((second.atMs - first.atMs) / 1000);
    const meteredKwh = (warmupPowerW * LLAMA_8B.warmupSeconds) / 3.6e6;
    const bookedKwh = after.warmupEnergyKwh - (before?.warmupEnergyKwh ?? 0);
    const bookedUsd = after.warmupCostUsd - (before?.warmupCostUsd ?? 0);
    console.info(
      `scale from zero: booked ${bookedKwh.toFixed(6)} kWh $${bookedUsd.toFixed(8)}, node counter ${meteredKwh.toFixed(6)} kWh (${warmupPowerW.toFixed(1)} W over ${replica.gpuIndexes.length} GPUs)`,
    );
    expect(done.status).toBe('completed');
    expect(after.warmups - (before?.warmups ?? 0)).toBe(1);
    expect(Math.abs(bookedKwh - meteredKwh) / meteredKwh).toBeLessThan(0.005);
    expect(bookedUsd).toBeCloseTo((bookedKwh / 1000) * PRICE_USD_PER_MWH, 9);
  }, 180_000);

  it('lets a guaranteed request overtake flex work on a full replica, the flex work handed back with its progress', async () => {
    // Prepare: both nodes warm and full of long flex work (16 jobs ask for both replicas).
    const flex = await Promise.all(Array.from({ length: 16 }, () => submit('flex', 900_000)));
    await until(
      'every slot running flex work',
      () => {
        const view = gpuWork.workers[0]!.view();
        return view.running === 16 ? view : undefined;
      },
      {
        detail: () => ({
          worker: gpuWork.workers[0]!.view(),
          pool: gpuWork.workers[0]!.serving()?.state(),
          reports: gpuWork.routing.reports.slice(-3),
        }),
      },
    );

    // Act
    const submittedAtMs = clock.nowMs();
    const id = await submit('guaranteed', 400);
    const done = await until('the guaranteed request answered', async () => {
      const view = await workload(id);
      return view.status === 'completed' ? view : undefined;
    });
    const answeredAtMs = clock.nowMs();
    const handedBack = await until('a flex job handed back and queued again', () =>
      gpuWork.routing.reports.find((r) => r.ok && r.effect === 'requeued'),
    );

    // Assess
    const views = await Promise.all(flex.map(workload));
    const requeued = views.filter((v) => (v.attempt ?? 1) > 1);
    console.info(
      `priority: guaranteed answered in ${((answeredAtMs - submittedAtMs) / 1000).toFixed(1)} s simulated; handed back ${JSON.stringify(handedBack)}`,
    );
    expect(done.status).toBe('completed');
    expect(requeued).toHaveLength(1);
    const attempt1 = handedBack.ok && 'entry' in handedBack ? handedBack.entry.reports[1] : undefined;
    expect(attempt1).toMatchObject({ outcome: 'preempted', reason: 'priority' });
    const kept = (attempt1 as { checkpointOutputTokens: number }).checkpointOutputTokens;
    expect(kept).toBeGreaterThan(0);
    expect(handedBack.ok && 'entry' in handedBack ? handedBack.entry.job.outputTokens : 0).toBe(900_000 - kept);
    for (const id of flex) await api.call('POST', `/v1/workloads/${id}/cancel`, { key: api.demo.apiKey });
  }, 180_000);
});
