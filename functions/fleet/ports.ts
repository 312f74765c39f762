import type { GatewayConfig } from '../../core/fleet/site-config.js';

/**
 * Where a site's gateway configuration goes after each registry change: AWS IoT's named shadow of the site's thing
 * (UpdateThingShadow, desired state) in the cloud, the local broker's stand-in on the local platform. The registry
 * publishes after the change is stored, so a failed publish is retried by the next change or a republish, never lost
 * with the record.
 */
export interface SiteConfigPublisher {
  publish(thingName: string, config: GatewayConfig): Promise<void>;
}

/** The name of the named shadow that carries a gateway's configuration (one constant, in core: the IoT policy uses it). */
export { SITE_CONFIG_SHADOW } from '../../core/iot/shadow-topics.js';
