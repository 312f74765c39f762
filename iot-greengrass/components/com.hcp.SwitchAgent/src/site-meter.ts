import type { SiteMeter } from '../../../../core/fleet/site-config.js';
import { type SunSpecMeterOptions, siteMeterOptions } from '../../../adapters/meter/sunspec-meter.js';
import type { SwitchAgentConfig } from './config.js';
import { sitePowerConfigSchema } from './site-power-config.js';

/**
 * The SwitchAgent's configuration and revenue meter on a site configuration: a site that names a meter (the
 * registry's `meter`, through the shadow) runs the site power controller, with the recipe's tuning or its defaults;
 * one that names none keeps whatever meter the agent was given directly (`sitePower.meter`, devices-file gateways).
 */
export function onSiteMeter(
  config: SwitchAgentConfig,
  siteMeter: SiteMeter | undefined,
): { readonly config: SwitchAgentConfig; readonly meter?: SunSpecMeterOptions } {
  if (!siteMeter) return { config, ...(config.sitePower?.meter ? { meter: config.sitePower.meter } : {}) };
  const sitePower = config.sitePower ?? sitePowerConfigSchema.parse({});
  return {
    config: { ...config, sitePower },
    meter: siteMeterOptions(siteMeter, sitePower.meterTimeoutMs)!,
  };
}
