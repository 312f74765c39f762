import { siteTopic } from '../../../../core/messages/topics.js';
import { mqttJobQueue, mqttReportSink } from '../../../adapters/inference/job-queue.js';
import { dcgmNodePower } from '../../../adapters/inference/node-power.js';
import { openAiHttpInference } from '../../../adapters/inference/openai-http.js';
import { componentRuntime, runUntilStopped } from '../../../adapters/runtime-env.js';
import { gpuWorkerConfigSchema, type WorkerNode } from './config.js';
import { GatewayCapacity } from './gateway-capacity.js';
import { GpuWorker } from './gpu-worker.js';

/**
 * com.hcp.GpuWorker's process on a Greengrass core: the site's GPU nodes from the device inventory (one inference
 * server per node, serving its pool's model), jobs from the site queue, capacity from the site's commands and grid
 * signals.
 */
runUntilStopped('com.hcp.GpuWorker', async () => {
  const runtime = await componentRuntime('com.hcp.GpuWorker');
  const config = gpuWorkerConfigSchema.parse({ ...runtime.config, siteId: runtime.siteId });
  const nodes: WorkerNode[] = runtime.devices
    .filter((d) => d.kind === 'gpu' && config.modelByPool[d.groupId] !== undefined)
    .map((d) => ({
      nodeId: d.id,
      poolId: d.groupId,
      gpuCount: config.gpusPerNode,
      inferenceUrl: `http://${d.address}:${d.port}`,
      metricsUrl: `http://${d.address}:${config.metricsPort}/metrics`,
      modelId: config.modelByPool[d.groupId]!,
      maxConcurrentJobs: config.maxConcurrentJobsPerNode,
    }));
  if (nodes.length === 0) throw new Error('com.hcp.GpuWorker: no GPU node of the inventory has a model in modelByPool');
  const installed: Record<string, number> = {};
  for (const n of nodes) installed[n.poolId] = (installed[n.poolId] ?? 0) + n.gpuCount;
  const capacity = new GatewayCapacity(runtime.siteId, installed);
  const parse = (payload: Buffer) => {
    try {
      return JSON.parse(payload.toString('utf8')) as unknown;
    } catch {
      return undefined;
    }
  };
  await runtime.messaging.subscribe('cloud', siteTopic(runtime.siteId, 'commands'), (_t, p) =>
    capacity.onCommand(parse(p)),
  );
  await runtime.messaging.subscribe('local', siteTopic(runtime.siteId, 'grid'), (_t, p) =>
    capacity.onGridSignal(parse(p)),
  );
  const log = (event: string, detail: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ component: 'com.hcp.GpuWorker', event, ...detail })}\n`);
  return GpuWorker.start({
    siteId: runtime.siteId,
    nodes,
    queue: mqttJobQueue(runtime.messaging, runtime.siteId),
    reports: mqttReportSink(runtime.messaging, runtime.siteId),
    inference: openAiHttpInference({ api: config.api }),
    power: dcgmNodePower(),
    clock: { nowMs: () => Date.now() },
    capacity: (nowMs) => capacity.at(nowMs),
    powerSampleMs: config.powerSampleMs,
    tickMs: config.tickMs,
    log,
  });
});
