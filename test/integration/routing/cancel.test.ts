import { randomUUID } from 'node:crypto';
import { siteJobCancelTopic } from '../../../core/routing/site-messages.js';
import { systemClock } from '../../../core/support/clock.js';
import { useLocalJobCancels } from '../../../functions/api/workloads/job-cancels.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { type LocalRouting, startLocalRouting } from '../../../sim/platform/workload-routing.js';
import { type ApiHarness, startApiHarness } from '../api/harness.js';
import { type GpuSites, smallSite, startGpuSites, until } from './gpu-sites.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const SITE = smallSite('site-west-1');

describe('cancelling a workload already handed to a site', () => {
  let broker: RunningMqttBroker;
  let api: ApiHarness;
  let sites: GpuSites | undefined;
  let routing: LocalRouting | undefined;
  let cloud: MessagingPort | undefined;

  beforeAll(async () => {
    broker = await startMqttBroker();
    api = await startApiHarness({ tableName: 'hcp-cancel-test' });
  });

  afterAll(async () => {
    useLocalJobCancels(undefined);
    await routing?.stop();
    await sites?.stop();
    await cloud?.close();
    await api?.stop();
    await broker?.stop();
  });

  it('drops it at the worker before it runs, ends its job unbilled, and lets the others finish', async () => {
    // Prepare: one site, two nodes of one sequence slot each, so most of the work waits at the worker
    sites = await startGpuSites(broker.url, [SITE], { modelId: MODEL, slotsPerNode: 1 });
    cloud = await connectMqttPort({ url: broker.url, clientId: 'cloud-cancel' });
    const port = cloud;
    useLocalJobCancels({
      publish: (cancel) => port.publish('cloud', siteJobCancelTopic(cancel.siteId), JSON.stringify(cancel), 1),
    });
    routing = await startLocalRouting({
      client: api.documents,
      tableName: api.tableName,
      sites: [SITE],
      messaging: cloud,
      clock: systemClock,
      events: { notify: async () => {} },
      pollMs: 100,
    });
    const key = api.demo.apiKey;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await api.call('POST', '/v1/workloads', {
        key,
        headers: { 'Idempotency-Key': randomUUID() },
        body: {
          modelId: MODEL,
          inputTokens: 200,
          outputTokens: 3000,
          tier: 'guaranteed',
          deadline: new Date(Date.now() + 600_000).toISOString(),
          maxPriceUsd: 1,
        },
      });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    const status = async (id: string) => (await api.call('GET', `/v1/workloads/${id}`, { key })).body;
    // Every job handed to the site, the last still waiting there (the first may already run or be done by then).
    await until('all handed to the site, the last still queued', async () => {
      const views = await Promise.all(ids.map(status));
      return views.every((w) => w.status !== 'accepted') && views.at(-1).status === 'queued';
    });
    const worker = sites.workers[0]!;
    await until('work waiting at the worker', async () => worker.view().pending >= 2);

    // Act: cancel the last one, waiting behind the others at the worker
    const target = ids.at(-1)!;
    const cancelled = await api.call('POST', `/v1/workloads/${target}/cancel`, { key });
    await until('the others completed', async () =>
      (await Promise.all(ids.slice(0, -1).map(status))).every((w) => w.status === 'completed'),
    );
    await until('the cancelled job ended', async () => {
      const job = await routing!.jobs.get(api.demo.tenantId, target);
      return job?.state.status === 'failed';
    });

    // Assess: the workload stays cancelled; its job ended at the worker without running, and nothing was billed
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled', siteId: SITE.id } });
    expect(await status(target)).toMatchObject({ status: 'cancelled' });
    const job = (await routing.jobs.get(api.demo.tenantId, target))!.state;
    expect(job).toMatchObject({ status: 'failed', reason: 'cancelled by the customer' });
    expect(Object.values(job.reports)).toEqual([
      expect.objectContaining({ outcome: 'failed', reason: 'cancelled by the customer', gpuSeconds: 0 }),
    ]);
    const period = new Date().toISOString().slice(0, 7);
    const statement = (await api.call('GET', `/v1/usage/statement?period=${period}`, { key })).body;
    expect(statement.lines.map((l: { workloadId: string }) => l.workloadId).sort()).toEqual(ids.slice(0, -1).sort());
  });
});
