import type { GatewayConfig } from '../../core/fleet/site-config.js';
import type { PoolDeploymentDesired, PoolServingState } from '../../core/serving/deployment-shadow.js';

/**
 * Where a site's gateway configuration goes after each registry change: AWS IoT's named shadow of the site's thing
 * (UpdateThingShadow, desired state) in the cloud, the local broker's stand-in on the local platform. The registry
 * publishes after the change is stored, so a failed publish is retried by the next change or a republish, never lost
 * with the record.
 */
export interface SiteConfigPublisher {
  publish(thingName: string, config: GatewayConfig): Promise<void>;
  /**
   * Sets one GPU pool's desired deployment in the same shadow (core/serving/deployment-shadow.ts), beside the
   * configuration and without touching it.
   */
  publishDeployment(thingName: string, desired: PoolDeploymentDesired): Promise<void>;
  /** What the gateway last reported of its pools' serving there, by pool id; empty before any report. */
  servingState(thingName: string): Promise<Record<string, PoolServingState>>;
}

/** The name of the named shadow that carries a gateway's configuration (one constant, in core: the IoT policy uses it). */
export { SITE_CONFIG_SHADOW } from '../../core/iot/shadow-topics.js';
