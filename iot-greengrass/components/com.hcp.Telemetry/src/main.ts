import path from 'node:path';
import { systemClock } from '../../../../core/support/clock.js';
import { componentRuntime, runUntilStopped } from '../../../adapters/runtime-env.js';
import { siteDriver } from '../../../adapters/site-driver.js';
import { telemetryConfigSchema } from './config.js';
import { TelemetryAgent } from './telemetry-agent.js';

/** com.hcp.Telemetry's process on a Greengrass core: polls, batches and spools under the component's work directory. */
runUntilStopped('com.hcp.Telemetry', async () => {
  const runtime = await componentRuntime('com.hcp.Telemetry');
  const { nvidiaSmiCommand, ...rest } = runtime.config as { nvidiaSmiCommand?: string[] };
  const config = telemetryConfigSchema.parse({ ...rest, siteId: runtime.siteId, gatewayId: runtime.siteId });
  const agent = new TelemetryAgent({
    config,
    devices: runtime.devices,
    driver: siteDriver({ gpu: { nvidiaSmiCommand } }),
    messaging: runtime.messaging,
    clock: systemClock,
    spoolDir: path.join(runtime.stateDir, 'spool'),
  });
  agent.start();
  return {
    stop: async () => {
      await agent.stop();
      await runtime.messaging.close();
    },
  };
});
