import path from 'node:path';
import { systemClock } from '../../../../core/support/clock.js';
import { devicesOf } from '../../../adapters/configured-devices.js';
import { componentRuntime, runUntilStopped } from '../../../adapters/runtime-env.js';
import { configuredSiteDriver } from '../../../adapters/site-driver.js';
import { runOnSiteConfig } from '../../../site-config/component-site-config.js';
import { telemetryConfigSchema } from './config.js';
import { TelemetryAgent } from './telemetry-agent.js';

/**
 * com.hcp.Telemetry's process on a Greengrass core: polls, batches and spools under the component's work directory,
 * the devices and their drivers from the site's named shadow (cached in the work directory).
 */
runUntilStopped('com.hcp.Telemetry', async () => {
  const runtime = await componentRuntime('com.hcp.Telemetry');
  const { nvidiaSmiCommand, braiins, ...rest } = runtime.config as {
    nvidiaSmiCommand?: string[];
    braiins?: { username: string; password: string };
  };
  const config = telemetryConfigSchema.parse({ ...rest, siteId: runtime.siteId, gatewayId: runtime.siteId });
  const log = (event: string, detail: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ component: 'com.hcp.Telemetry', event, ...detail })}\n`);
  const run = await runOnSiteConfig({
    siteId: runtime.siteId,
    messaging: runtime.messaging,
    stateDir: runtime.stateDir,
    clock: systemClock,
    log,
    reports: false,
    start: async (site, messaging) => {
      const agent = new TelemetryAgent({
        config,
        devices: devicesOf(site),
        driver: configuredSiteDriver(site, { gpu: { nvidiaSmiCommand }, ...(braiins ? { braiins } : {}) }),
        messaging,
        clock: systemClock,
        spoolDir: path.join(runtime.stateDir, 'spool'),
      });
      agent.start();
      return agent;
    },
  });
  return {
    stop: async () => {
      await run.stop();
      await runtime.messaging.close();
    },
  };
});
