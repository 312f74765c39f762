import path from 'node:path';
import { referenceFleet } from '../../../../core/fleet/reference-fleet.js';
import { systemClock } from '../../../../core/support/clock.js';
import { SunSpecMeter } from '../../../adapters/meter/sunspec-meter.js';
import { componentRuntime, runUntilStopped } from '../../../adapters/runtime-env.js';
import { siteDriver } from '../../../adapters/site-driver.js';
import { switchAgentConfigSchema } from './config.js';
import { SwitchAgent } from './switch-agent.js';

/** com.hcp.SwitchAgent's process on a Greengrass core: configuration from the recipe, state in the work directory. */
runUntilStopped('com.hcp.SwitchAgent', async () => {
  const runtime = await componentRuntime('com.hcp.SwitchAgent');
  const { nvidiaSmiCommand, ...rest } = runtime.config as { nvidiaSmiCommand?: string[] };
  const config = switchAgentConfigSchema.parse({ ...rest, siteId: runtime.siteId });
  const log = (event: string, detail: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ component: 'com.hcp.SwitchAgent', event, ...detail })}\n`);
  return SwitchAgent.start({
    config,
    devices: runtime.devices,
    driver: siteDriver({ gpu: { nvidiaSmiCommand } }),
    messaging: runtime.messaging,
    clock: systemClock,
    stateFile: path.join(runtime.stateDir, 'state.json'),
    site: referenceFleet.sites.find((s) => s.id === runtime.siteId),
    ...(config.sitePower ? { meter: new SunSpecMeter(config.sitePower.meter) } : {}),
    log,
  });
});
