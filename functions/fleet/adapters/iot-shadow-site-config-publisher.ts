import { UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { siteConfigShadowUpdate } from '../../../core/fleet/gateway-config-shadow.js';
import type { GatewayConfig } from '../../../core/fleet/site-config.js';
import { SITE_CONFIG_SHADOW } from '../../../core/iot/shadow-topics.js';
import type { SiteConfigPublisher } from '../ports.js';

/** What the publisher needs of the IoT data-plane client; a test passes a `{ send }` stub. */
export interface ShadowSender {
  send(command: UpdateThingShadowCommand): Promise<unknown>;
}

/**
 * Publishes a gateway configuration as the desired state of the site thing's named shadow (IoT data plane
 * UpdateThingShadow with `shadowName`, payload from core/fleet/gateway-config-shadow.ts). The Lambda's role may
 * update only that shadow name on the site things (stacks/constructs/iot-topics.ts, grantSiteConfigShadowUpdate).
 */
export class IotShadowSiteConfigPublisher implements SiteConfigPublisher {
  /** `client`: a traced IoT data-plane client (functions/shared/iot-data.ts createIotDataClient). */
  constructor(private readonly client: ShadowSender) {}

  async publish(thingName: string, config: GatewayConfig): Promise<void> {
    await this.client.send(
      new UpdateThingShadowCommand({
        thingName,
        shadowName: SITE_CONFIG_SHADOW,
        payload: new TextEncoder().encode(JSON.stringify(siteConfigShadowUpdate(config))),
      }),
    );
  }
}
