import { randomUUID } from 'node:crypto';
import { siteJobTopic } from '../../core/routing/site-messages.js';
import { systemClock } from '../../core/support/clock.js';
import { seededRng } from '../../core/support/random.js';
import { stepFunctionsSwitchFlows } from '../../functions/api/switch-flows.js';
import { IotSiteJobPublisher } from '../../functions/routing/adapters/iot-site-jobs.js';
import { DynamoWebhookStore } from '../../functions/shared/data/webhook-store.js';
import { connectMqttPort } from '../../iot-greengrass/adapters/messaging/mqtt-client.js';
import {
  LOCAL_SWITCH_FLOW_ARN,
  localIotDataClient,
  localStepFunctionsClient,
} from '../../sim/local/aws-sdk-endpoints.js';
import { injectLostAnswers } from '../../sim/local/fault-injection.js';
import { startMqttBroker } from '../../sim/local/mqtt-broker.js';
import { TaskTokenRegistry } from '../../sim/local/stepfunctions/index.js';
import { createLocalWorkloadEvents } from '../../sim/platform/local-webhook-events.js';
import { startLocalRouting } from '../../sim/platform/workload-routing.js';
import { type ApiHarness, startApiHarness } from '../integration/api/harness.js';
import { smallSite, startGpuSites } from '../integration/routing/gpu-sites.js';
import { until } from '../support/until.js';
import { countBy, recordFigure } from './support/figures.js';

/**
 * "Applied, but the answer was lost" (#23 item 4) on the platform's calls out of the API and the router: 30% of
 * StartExecution calls (operator overrides) and of IoT publishes of site jobs (workload routing) are performed and
 * then fail with a timeout, inside the SDK's retry loop of the deployed adapters (`sim/local/aws-sdk-endpoints.ts`
 * answers their clients locally). One API harness for the file: the handlers share one process-wide DynamoDB client,
 * so a second harness in the same process would talk to the first one's stopped table (lost-answers.test.ts keeps
 * the DynamoDB cases). Seeded: a failing run replays.
 */
const RATE = 0.3;

let h: ApiHarness;
const started: string[] = [];
const sfn = localStepFunctionsClient({
  registry: new TaskTokenRegistry(),
  // The flows themselves are SwitchFlow's tests' subject: here each stays running, as a flow waiting for its lock.
  start: async (name) => {
    started.push(name);
    await new Promise(() => undefined);
  },
});
const counts = injectLostAnswers(sfn.client, { rate: RATE, rng: seededRng(49), commands: ['StartExecutionCommand'] });
const arnBefore = process.env.SWITCH_FLOW_ARN;

beforeAll(async () => {
  process.env.SWITCH_FLOW_ARN = LOCAL_SWITCH_FLOW_ARN;
  h = await startApiHarness({ tableName: 'hcp-lost-answers-calls', switchFlows: stepFunctionsSwitchFlows(sfn.client) });
});

afterAll(async () => {
  if (arnBefore === undefined) delete process.env.SWITCH_FLOW_ARN;
  else process.env.SWITCH_FLOW_ARN = arnBefore;
  await h?.stop();
});

describe('operator overrides when 30% of StartExecution answers are lost', () => {
  it('makes each override once: the SDK’s repeat and the operator’s retry with its Idempotency-Key start nothing new', async () => {
    // Prepare
    const key = h.demo.operatorApiKey;
    const answered: string[] = [];
    let serverErrors = 0;
    let replayed = 0;

    // Act: 30 overrides one after another, each retried on a 5xx with its Idempotency-Key, as an operator's client does.
    for (let i = 0; i < 30; i++) {
      const idempotencyKey = randomUUID();
      const body = { kind: 'curtail', shedKw: 100, reason: `lost answers ${i}`, expiresAt: inAnHour() };
      for (;;) {
        const answer = await h.call('POST', '/v1/sites/site-south-1/overrides', {
          key,
          headers: { 'Idempotency-Key': idempotencyKey },
          body,
        });
        if (answer.status === 202) {
          answered.push(answer.body.executionName);
          if (answer.headers.get('idempotent-replayed') === 'true') replayed += 1;
          break;
        }
        expect(answer.status).toBeGreaterThanOrEqual(500);
        serverErrors += 1;
      }
    }

    // Assess: one execution per override, every one answered, none started without an answer naming it.
    expect(counts.lost).toBeGreaterThan(0);
    expect(new Set(started).size).toBe(started.length);
    expect(new Set(answered).size).toBe(30);
    expect([...started].sort()).toEqual([...answered].sort());
    expect(replayed).toBe(serverErrors);
    const site = await h.call('GET', '/v1/sites/site-south-1', { key });
    expect(site.body.override).toMatchObject({ executionName: answered.at(-1), status: 'active' });
    recordFigure('lost-answers.starts-lost', counts.lost, `of ${counts.calls} StartExecution calls`);
    recordFigure('lost-answers.override-retries', serverErrors, 'of 30 overrides: answered 5xx, retried with the key');
    console.log(
      `lost answers, StartExecution: ${counts.lost}/${counts.calls} lost, ${started.length} started for 30 overrides, ` +
        `${serverErrors} answered 5xx and retried with their Idempotency-Key (no second override)`,
    );
  });
});

describe('workload routing when 30% of its site-job publishes are performed but their answers lost', () => {
  it('completes and bills every workload once, though some of its jobs were delivered twice', async () => {
    // Prepare: the file's API, one GPU site with its GpuWorker, the router whose forwarder publishes through the deployed
    // adapter (IotSiteJobPublisher) on an IoT data client that loses answers, SDK retries on.
    const model = 'meta-llama/Llama-3.1-8B-Instruct';
    const site = smallSite('site-west-1');
    const cleanups: Array<() => unknown> = [];
    try {
      const broker = await startMqttBroker();
      cleanups.push(() => broker.stop());
      const sites = await startGpuSites(broker.url, [site], { modelId: model, slotsPerNode: 4 });
      cleanups.push(() => sites.stop());
      const cloud = await connectMqttPort({ url: broker.url, clientId: `cloud-${randomUUID()}` });
      cleanups.push(() => cloud.close());
      const delivered = new Map<string, number>();
      await cloud.subscribe('cloud', siteJobTopic(site.id), (_topic, payload) => {
        const job = JSON.parse(payload.toString('utf8')) as { jobId: string; attempt: number };
        const id = `${job.jobId}#${job.attempt}`;
        delivered.set(id, (delivered.get(id) ?? 0) + 1);
      });
      const iot = localIotDataClient((topic, payload, qos) => cloud.publish('cloud', topic, payload, qos));
      const counts = injectLostAnswers(iot, { rate: RATE, rng: seededRng(50), commands: ['PublishCommand'] });
      // The tenant has no webhook: events are recorded, nothing is sent.
      const events = createLocalWorkloadEvents({
        webhooks: new DynamoWebhookStore({ client: h.documents, tableName: h.tableName }),
      });
      cleanups.push(() => events.close());
      const poolId = site.gpuPools[0]!.id;
      const live = sites.live[`${site.id}/${poolId}`]!;
      const routing = await startLocalRouting({
        client: h.documents,
        tableName: h.tableName,
        sites: [site],
        messaging: cloud,
        publisher: new IotSiteJobPublisher(iot),
        clock: systemClock,
        events,
        live: {
          live: async () => ({
            [poolId]: {
              warmGpusByModel: { [live.modelId]: live.warmGpus },
              sequenceTokensPerSecByModel: { [live.modelId]: live.sequenceTokensPerSec },
              sequenceSlotsByModel: { [live.modelId]: live.sequenceSlots },
            },
          }),
        },
        pollMs: 100,
      });
      cleanups.push(() => routing.stop());
      const key = (await h.api.seedDemoTenant('tenant-routing')).apiKey;

      // Act: 16 workloads over the API.
      const deadline = new Date(Date.now() + 3_600_000).toISOString();
      const ids: string[] = [];
      for (let i = 0; i < 16; i++) {
        const answer = await h.call('POST', '/v1/workloads', {
          key,
          headers: { 'Idempotency-Key': `routing-${i}` },
          body: {
            modelId: model,
            inputTokens: 200 + 13 * i,
            outputTokens: 1500 + 50 * i,
            tier: 'flex',
            deadline,
            maxPriceUsd: 1,
          },
        });
        expect(answer.status).toBe(201);
        ids.push(answer.body.id);
      }
      const read = async (id: string) => (await h.call('GET', `/v1/workloads/${id}`, { key })).body;
      const ended = await until(
        'every workload ended',
        async () => {
          const all = await Promise.all(ids.map(read));
          return all.every((w) => ['completed', 'failed'].includes(w.status)) && all;
        },
        { timeoutMs: 540_000, pollMs: 200 },
      );

      // Assess
      expect(counts.lost).toBeGreaterThan(0);
      expect(ended.map((w) => w.status)).toEqual(ids.map(() => 'completed'));
      const twice = [...delivered.values()].filter((n) => n > 1).length;
      expect(twice).toBeGreaterThan(0);
      const period = new Date().toISOString().slice(0, 7);
      const usage = (await h.call('GET', `/v1/usage?period=${period}`, { key })).body;
      expect(usage.jobs).toBe(16);
      const reports = countBy(routing.reports.map((r) => (r.ok ? r.effect : r.error.kind)));
      const completions = reports.completed ?? 0;
      expect(completions).toBe(16);
      recordFigure('lost-answers.job-publishes-lost', counts.lost, `of ${counts.calls} site-job publishes`);
      recordFigure('lost-answers.jobs-delivered-twice', twice, `of ${delivered.size} job attempts`);
      console.log(
        `lost answers, routing: ${counts.lost}/${counts.calls} publishes lost, ${twice}/${delivered.size} attempts ` +
          `delivered more than once, 16/16 completed, usage.jobs ${usage.jobs}; reports: ${JSON.stringify(reports)}`,
      );
    } finally {
      for (const cleanup of cleanups.reverse()) await cleanup();
    }
  });
});

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
