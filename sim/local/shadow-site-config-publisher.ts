import { siteConfigShadowUpdate } from '../../core/fleet/gateway-config-shadow.js';
import type { GatewayConfig } from '../../core/fleet/site-config.js';
import { SITE_CONFIG_SHADOW } from '../../core/iot/shadow-topics.js';
import {
  deploymentShadowUpdate,
  type PoolDeploymentDesired,
  type PoolServingState,
  readReportedServing,
} from '../../core/serving/deployment-shadow.js';
import type { SiteConfigPublisher } from '../../functions/fleet/ports.js';
import type { ShadowService } from './device-shadows.js';

/**
 * The local platform's SiteConfigPublisher: UpdateThingShadow on the local Device Shadow service, as the AWS adapter
 * (functions/fleet/adapters/iot-shadow-site-config-publisher.ts) does on IoT Core. A refused update throws with the
 * service's code and message, as the SDK does.
 */
export class ShadowSiteConfigPublisher implements SiteConfigPublisher {
  constructor(private readonly shadows: ShadowService) {}

  publish(thingName: string, config: GatewayConfig): Promise<void> {
    return this.update(thingName, siteConfigShadowUpdate(config));
  }

  publishDeployment(thingName: string, desired: PoolDeploymentDesired): Promise<void> {
    return this.update(thingName, deploymentShadowUpdate(desired));
  }

  async servingState(thingName: string): Promise<Record<string, PoolServingState>> {
    const result = this.shadows.shadows.get(thingName, SITE_CONFIG_SHADOW);
    return result.ok ? readReportedServing((result.reply.state as { reported?: unknown } | undefined)?.reported) : {};
  }

  private async update(thingName: string, payload: unknown): Promise<void> {
    const result = await this.shadows.update(thingName, SITE_CONFIG_SHADOW, JSON.stringify(payload));
    if (!result.ok) throw new Error(`UpdateThingShadow ${thingName}: ${result.error.code} ${result.error.message}`);
  }
}
