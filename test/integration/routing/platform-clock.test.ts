import type { Site } from '../../../core/model/site.js';
import { DynamoWebhookStore } from '../../../functions/shared/data/webhook-store.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { createLocalWorkloadEvents } from '../../../sim/platform/local-webhook-events.js';
import { SimClock } from '../../../sim/platform/sim-clock.js';
import { type LocalRouting, startLocalRouting } from '../../../sim/platform/workload-routing.js';
import { type ApiHarness, startApiHarness } from '../api/harness.js';
import { type GpuSites, smallSite, startGpuSites, until } from './gpu-sites.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const SITE: Site = smallSite('site-west-1');
/** The market replay's month: the platform's clock, far from the wall clock's. */
const SIM_START_MS = Date.parse('2025-01-20T12:00:00Z');

describe('one clock: the API, routing and GPU sites of the local platform on its simulated clock', () => {
  const clock = new SimClock(SIM_START_MS, 1);
  let broker: RunningMqttBroker;
  let api: ApiHarness;
  let sites: GpuSites | undefined;
  let routing: LocalRouting | undefined;
  let events: ReturnType<typeof createLocalWorkloadEvents> | undefined;
  let cloud: MessagingPort | undefined;

  beforeAll(async () => {
    broker = await startMqttBroker();
    api = await startApiHarness({ tableName: 'hcp-platform-clock-test', clock });
  });

  afterAll(async () => {
    await routing?.stop();
    events?.close();
    await sites?.stop();
    await cloud?.close();
    await api?.stop();
    await broker?.stop();
  });

  it('dates the workload, its usage record and the month’s usage and statement in the simulated month', async () => {
    // Prepare
    sites = await startGpuSites(broker.url, [SITE], { modelId: MODEL, slotsPerNode: 4, clock });
    const live = sites.live[`${SITE.id}/${SITE.gpuPools[0]!.id}`]!;
    cloud = await connectMqttPort({ url: broker.url, clientId: 'platform-clock-cloud' });
    events = createLocalWorkloadEvents({
      webhooks: new DynamoWebhookStore({ client: api.documents, tableName: api.tableName }),
    });
    routing = await startLocalRouting({
      client: api.documents,
      tableName: api.tableName,
      sites: [SITE],
      messaging: cloud,
      clock,
      events,
      live: {
        live: async () => ({
          [SITE.gpuPools[0]!.id]: {
            warmGpusByModel: { [MODEL]: live.warmGpus },
            sequenceTokensPerSecByModel: { [MODEL]: live.sequenceTokensPerSec },
            sequenceSlotsByModel: { [MODEL]: live.sequenceSlots },
          },
        }),
      },
      pollMs: 100,
    });

    // Act
    const submitted = await api.call('POST', '/v1/workloads', {
      key: api.demo.apiKey,
      body: {
        modelId: MODEL,
        inputTokens: 200,
        outputTokens: 50,
        tier: 'flex',
        deadline: new Date(clock.nowMs() + 600_000).toISOString(),
        maxPriceUsd: 10,
      },
      headers: { 'idempotency-key': 'platform-clock-1' },
    });
    expect(submitted.status).toBe(201);
    const id = submitted.body.id as string;
    await until('the workload to complete', async () => {
      const got = await api.call('GET', `/v1/workloads/${id}`, { key: api.demo.apiKey });
      return got.body?.status === 'completed';
    });
    const workload = await api.call('GET', `/v1/workloads/${id}`, { key: api.demo.apiKey });
    const usage = await api.call('GET', '/v1/usage?period=2025-01', { key: api.demo.apiKey });
    const statement = await api.call('GET', '/v1/usage/statement?period=2025-01', { key: api.demo.apiKey });

    // Assess
    expect(workload.body.submittedAt).toMatch(/^2025-01-/);
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({ period: '2025-01', jobs: 1 });
    expect(statement.body.lines).toHaveLength(1);
    expect(statement.body.lines[0].completedAt).toMatch(/^2025-01-/);
  });
});
