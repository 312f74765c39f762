import { UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import type { GatewayConfig } from '../../../core/fleet/site-config.js';
import { SITE_CONFIG_SHADOW, type SiteConfigPublisher } from '../ports.js';

/** What the publisher needs of the IoT data-plane client; a test passes a `{ send }` stub. */
export interface ShadowSender {
  send(command: UpdateThingShadowCommand): Promise<unknown>;
}

/**
 * Publishes a site's gateway configuration as the desired state of its thing's named shadow (UpdateThingShadow); the
 * gateway reads it at start and on each delta and reports back what it applied.
 */
export class IotShadowSiteConfigPublisher implements SiteConfigPublisher {
  constructor(private readonly client: ShadowSender) {}

  async publish(thingName: string, config: GatewayConfig): Promise<void> {
    const document = { state: { desired: { config } } };
    await this.client.send(
      new UpdateThingShadowCommand({
        thingName,
        shadowName: SITE_CONFIG_SHADOW,
        payload: new TextEncoder().encode(JSON.stringify(document)),
      }),
    );
  }
}
