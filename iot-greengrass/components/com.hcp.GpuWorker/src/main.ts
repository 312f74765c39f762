import { systemClock } from '../../../../core/support/clock.js';
import { componentRuntime, runUntilStopped } from '../../../adapters/runtime-env.js';
import { runOnSiteConfig } from '../../../site-config/component-site-config.js';
import { gpuWorkerConfigSchema } from './config.js';
import { workerNodesOf } from './site-nodes.js';
import { startSiteWorker } from './site-worker.js';

/**
 * com.hcp.GpuWorker's process on a Greengrass core: its own settings from the recipe, the site's GPU nodes and the
 * models they serve from the site's named shadow (as the SwitchAgent reads it; the SwitchAgent reports for the
 * gateway), cached in the work directory; a new configuration restarts the worker on it.
 */
runUntilStopped('com.hcp.GpuWorker', async () => {
  const runtime = await componentRuntime('com.hcp.GpuWorker');
  const config = gpuWorkerConfigSchema.parse({ ...runtime.config, siteId: runtime.siteId });
  const log = (event: string, detail: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ component: 'com.hcp.GpuWorker', event, ...detail })}\n`);
  const run = await runOnSiteConfig({
    siteId: runtime.siteId,
    messaging: runtime.messaging,
    stateDir: runtime.stateDir,
    clock: systemClock,
    log,
    reports: false,
    start: async (site, messaging) => {
      const nodes = workerNodesOf(site, config);
      // A site without a served GPU pool has no work for the worker until its configuration names one.
      if (nodes.length === 0) {
        log('gpu-worker-idle', { registryVersion: site.registryVersion, reason: 'no GPU pool serves a model' });
        return { stop: async () => {} };
      }
      return startSiteWorker({
        siteId: runtime.siteId,
        nodes,
        messaging,
        clock: systemClock,
        api: config.api,
        powerSampleMs: config.powerSampleMs,
        tickMs: config.tickMs,
        healthSampleMs: config.healthSampleMs,
        inventoryReportMs: config.inventoryReportMs,
        log,
      });
    },
  });
  return {
    stop: async () => {
      await run.stop();
      await runtime.messaging.close();
    },
  };
});
