import { systemClock } from '../../../../core/support/clock.js';
import { componentRuntime, runUntilStopped } from '../../../adapters/runtime-env.js';
import { gpuWorkerConfigSchema, type WorkerNode } from './config.js';
import { startSiteWorker } from './site-worker.js';

/**
 * com.hcp.GpuWorker's process on a Greengrass core: the site's GPU nodes from the device inventory (one inference
 * server per node, serving its pool's model), configuration from the recipe.
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
  const log = (event: string, detail: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ component: 'com.hcp.GpuWorker', event, ...detail })}\n`);
  return startSiteWorker({
    siteId: runtime.siteId,
    nodes,
    messaging: runtime.messaging,
    clock: systemClock,
    api: config.api,
    powerSampleMs: config.powerSampleMs,
    tickMs: config.tickMs,
    healthSampleMs: config.healthSampleMs,
    inventoryReportMs: config.inventoryReportMs,
    log,
  });
});
