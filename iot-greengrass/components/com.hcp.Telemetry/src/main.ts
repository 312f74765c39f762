import path from 'node:path';
import { systemClock } from '../../../../core/support/clock.js';
import { devicesOf } from '../../../adapters/configured-devices.js';
import { connectLocalDeploymentClient } from '../../../adapters/messaging/greengrass-ipc.js';
import {
  cloudContact,
  nucleusFailoverConfigSchema,
  startNucleusFailover,
} from '../../../adapters/messaging/nucleus-endpoint-failover.js';
import { componentRuntime, runUntilStopped } from '../../../adapters/runtime-env.js';
import { configuredSiteDriver } from '../../../adapters/site-driver.js';
import { runOnSiteConfig } from '../../../site-config/component-site-config.js';
import { telemetryConfigSchema } from './config.js';
import { TelemetryAgent } from './telemetry-agent.js';

/**
 * com.hcp.Telemetry's process on a Greengrass core: polls, batches and spools under the component's work directory,
 * the devices and their drivers from the site's named shadow (cached in the work directory). In a multi-region
 * deployment it also owns the nucleus's endpoint failover (`nucleusFailover`, docs/REGIONS.md): the cloud's
 * telemetry acks are its "IoT Core answered" signal, and the move is a local deployment through the Greengrass CLI.
 */
runUntilStopped('com.hcp.Telemetry', async () => {
  const runtime = await componentRuntime('com.hcp.Telemetry');
  const { nvidiaSmiCommand, braiins, nucleusFailover, ...rest } = runtime.config as {
    nvidiaSmiCommand?: string[];
    braiins?: { username: string; password: string };
    nucleusFailover?: unknown;
  };
  const config = telemetryConfigSchema.parse({ ...rest, siteId: runtime.siteId, gatewayId: runtime.siteId });
  const log = (event: string, detail: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ component: 'com.hcp.Telemetry', event, ...detail })}\n`);
  const contact = cloudContact(runtime.messaging, systemClock);
  const failover = await startNucleusFailover({
    config: nucleusFailoverConfigSchema.parse(nucleusFailover),
    current: process.env.AWS_REGION,
    connectIpc: connectLocalDeploymentClient,
    lastContactMs: contact.lastContactMs,
    clock: systemClock,
    log,
  });
  const run = await runOnSiteConfig({
    siteId: runtime.siteId,
    messaging: contact.messaging,
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
      failover?.stop();
      await run.stop();
      await runtime.messaging.close();
    },
  };
});
