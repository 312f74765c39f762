import type { Clock } from '../../../../core/support/clock.js';
import type { MessagingPort } from '../../../adapters/messaging/port.js';
import { runOnSiteConfig } from '../../../site-config/component-site-config.js';
import type { GpuWorkerConfig } from './config.js';
import type { GpuWorker } from './gpu-worker.js';
import { workerNodesOf } from './site-nodes.js';
import { startSiteWorker } from './site-worker.js';

/**
 * The GpuWorker on its site configuration: the site's GPU nodes and the models they serve from the `hcp-site-config`
 * shadow (as the SwitchAgent reads it; the SwitchAgent reports for the gateway), cached under `stateDir`; a new
 * configuration restarts the worker on it; a site with no pool serving a model runs no worker until one does.
 */
export async function runGpuWorkerOnSiteConfig(options: {
  readonly settings: GpuWorkerConfig;
  readonly messaging: MessagingPort;
  readonly stateDir: string;
  readonly clock: Clock;
  readonly log: (event: string, detail: Record<string, unknown>) => void;
}): Promise<{ worker(): GpuWorker | undefined; stop(): Promise<void> }> {
  const { settings, log } = options;
  let worker: GpuWorker | undefined;
  const run = await runOnSiteConfig({
    siteId: settings.siteId,
    messaging: options.messaging,
    stateDir: options.stateDir,
    clock: options.clock,
    log,
    reports: false,
    start: async (site, messaging) => {
      const nodes = workerNodesOf(site, settings);
      if (nodes.length === 0) {
        log('gpu-worker-idle', { registryVersion: site.registryVersion, reason: 'no GPU pool serves a model' });
        worker = undefined;
        return { stop: async () => {} };
      }
      const started = await startSiteWorker({
        siteId: settings.siteId,
        nodes,
        messaging,
        clock: options.clock,
        api: settings.api,
        powerSampleMs: settings.powerSampleMs,
        tickMs: settings.tickMs,
        healthSampleMs: settings.healthSampleMs,
        inventoryReportMs: settings.inventoryReportMs,
        log,
      });
      worker = started;
      return started;
    },
  });
  return { worker: () => worker, stop: run.stop };
}
