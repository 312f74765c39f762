import path from 'node:path';
import { systemClock } from '../../../../core/support/clock.js';
import { devicesOf } from '../../../adapters/configured-devices.js';
import { SunSpecMeter } from '../../../adapters/meter/sunspec-meter.js';
import { componentRuntime, runUntilStopped } from '../../../adapters/runtime-env.js';
import { configuredSiteDriver } from '../../../adapters/site-driver.js';
import { runOnSiteConfig } from '../../../site-config/component-site-config.js';
import { switchAgentConfigSchema } from './config.js';
import { onSiteMeter } from './site-meter.js';
import { SwitchAgent } from './switch-agent.js';

/**
 * com.hcp.SwitchAgent's process on a Greengrass core: its own settings from the recipe, the site (devices, drivers,
 * market node, meter, model) from the site's named shadow, cached in the work directory; state in the work directory.
 */
runUntilStopped('com.hcp.SwitchAgent', async () => {
  const runtime = await componentRuntime('com.hcp.SwitchAgent');
  const { nvidiaSmiCommand, braiins, ...rest } = runtime.config as {
    nvidiaSmiCommand?: string[];
    braiins?: { username: string; password: string };
  };
  const config = switchAgentConfigSchema.parse({ ...rest, siteId: runtime.siteId });
  const log = (event: string, detail: Record<string, unknown>) =>
    process.stdout.write(`${JSON.stringify({ component: 'com.hcp.SwitchAgent', event, ...detail })}\n`);
  const run = await runOnSiteConfig({
    siteId: runtime.siteId,
    messaging: runtime.messaging,
    stateDir: runtime.stateDir,
    clock: systemClock,
    log,
    reports: true,
    start: (site, messaging) => {
      // The meter is the site configuration's (the registry's), not the recipe's.
      const onSite = onSiteMeter(config, site.meter);
      return SwitchAgent.start({
        config: onSite.config,
        devices: devicesOf(site),
        driver: configuredSiteDriver(site, { gpu: { nvidiaSmiCommand }, ...(braiins ? { braiins } : {}) }),
        messaging,
        clock: systemClock,
        stateFile: path.join(runtime.stateDir, 'state.json'),
        site: site.site,
        ...(onSite.meter ? { meter: new SunSpecMeter(onSite.meter) } : {}),
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
