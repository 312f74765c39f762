import { type JobReport, siteJobReportTopic, siteJobTopic } from '../../../core/routing/site-messages.js';
import { systemClock } from '../../../core/support/clock.js';
import { connectMqttPort } from '../../../iot-greengrass/adapters/messaging/mqtt-client.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';
import type { GpuWorker } from '../../../iot-greengrass/components/com.hcp.GpuWorker/src/gpu-worker.js';
import { startSiteWorker } from '../../../iot-greengrass/components/com.hcp.GpuWorker/src/site-worker.js';
import { startVirtualFleet, type VirtualFleet } from '../../../sim/devices/fleet.js';
import { type RunningMqttBroker, startMqttBroker } from '../../../sim/local/mqtt-broker.js';
import { smallSite, until } from './gpu-sites.js';

const SITE = smallSite('site-west-1');
const POOL = SITE.gpuPools[0]!;
const MODEL = Object.keys(POOL.throughputTokensPerSecByModel)[0]!;
/** The virtual node is one 8-GPU board; on `npm start` it stands for 16 of them (128 GPUs), as here. */
const STANDS_FOR_GPUS = 128;
const J_PER_KWH = 3_600_000;

describe('GPU metering on a virtual node standing for a share of its pool', () => {
  let broker: RunningMqttBroker;
  let fleet: VirtualFleet;
  let messaging: MessagingPort;
  let worker: GpuWorker;

  beforeAll(async () => {
    broker = await startMqttBroker();
    fleet = await startVirtualFleet({
      asics: 0,
      gpuNodes: 1,
      seed: 3,
      clock: systemClock,
      site: SITE,
      gpuAutoTickMs: 20,
    });
    const endpoint = fleet.endpoints[0]!;
    const url = `http://${endpoint.address}:${endpoint.port}`;
    const load = await fetch(`${url}/v1/models/load`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, tensor_parallel_size: 8 }),
    });
    expect(load.ok).toBe(true);
    messaging = await connectMqttPort({ url: broker.url, clientId: 'gpu-energy-worker' });
    worker = await startSiteWorker({
      siteId: SITE.id,
      nodes: [
        {
          nodeId: endpoint.id,
          poolId: POOL.id,
          gpuCount: STANDS_FOR_GPUS,
          inferenceUrl: url,
          metricsUrl: `${url}/metrics`,
          modelId: MODEL,
          maxConcurrentJobs: 8,
        },
      ],
      messaging,
      clock: systemClock,
      powerSampleMs: 50,
      tickMs: 20,
    });
  });

  afterAll(async () => {
    await worker?.stop();
    await messaging?.close();
    await fleet?.stop();
    await broker?.stop();
  });

  it('meters each job at its GPU-seconds times a per-GPU power between the model’s idle and serving power', async () => {
    // Prepare
    const cloud = await connectMqttPort({ url: broker.url, clientId: 'gpu-energy-cloud' });
    const reports: JobReport[] = [];
    await cloud.subscribe('cloud', siteJobReportTopic(SITE.id), (_t, p) => reports.push(JSON.parse(p.toString())));
    const deadline = new Date(Date.now() + 600_000).toISOString();

    // Act: four jobs of a few seconds each, run side by side
    for (let i = 0; i < 4; i += 1) {
      const job = {
        jobId: `energy-${i}`,
        attempt: 1,
        tenantId: 'tenant-a',
        tier: 'guaranteed',
        modelId: MODEL,
        poolId: POOL.id,
        inputTokens: 500,
        outputTokens: 400,
        deadline,
      };
      await cloud.publish('cloud', siteJobTopic(SITE.id), JSON.stringify(job), 1);
    }
    await until('every job to be reported', () => reports.length >= 4);
    await cloud.close();

    // Assess: power per GPU within the model's band (the meter holds each 50 ms sample until the next: 5% slack)
    expect(reports.map((r) => r.outcome)).toEqual(['completed', 'completed', 'completed', 'completed']);
    for (const r of reports) {
      expect(r.gpuSeconds).toBeGreaterThan(0);
      const wattsPerGpu = (r.energyKwh * J_PER_KWH) / r.gpuSeconds;
      expect(wattsPerGpu).toBeGreaterThanOrEqual(POOL.idlePowerW * 0.95);
      expect(wattsPerGpu).toBeLessThanOrEqual(POOL.servingPowerW * 1.05);
    }
  });
});
