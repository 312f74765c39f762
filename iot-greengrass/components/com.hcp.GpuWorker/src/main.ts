import { systemClock } from '../../../../core/support/clock.js';
import { componentRuntime, runUntilStopped } from '../../../adapters/runtime-env.js';
import { gpuWorkerConfigSchema } from './config.js';
import { runGpuWorkerOnSiteConfig } from './on-site-config.js';

/**
 * com.hcp.GpuWorker's process on a Greengrass core: its own settings from the recipe, the site's GPU nodes and their
 * models from the site's named shadow (on-site-config.ts), cached in the work directory.
 */
runUntilStopped('com.hcp.GpuWorker', async () => {
  const runtime = await componentRuntime('com.hcp.GpuWorker');
  const settings = gpuWorkerConfigSchema.parse({ ...runtime.config, siteId: runtime.siteId });
  const log = (event: string, detail: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ component: 'com.hcp.GpuWorker', event, ...detail })}\n`);
  const run = await runGpuWorkerOnSiteConfig({
    settings,
    messaging: runtime.messaging,
    stateDir: runtime.stateDir,
    clock: systemClock,
    log,
  });
  return {
    stop: async () => {
      await run.stop();
      await runtime.messaging.close();
    },
  };
});
