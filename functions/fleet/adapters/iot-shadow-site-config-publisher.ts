import { GetThingShadowCommand, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { siteConfigShadowUpdate } from '../../../core/fleet/gateway-config-shadow.js';
import type { GatewayConfig } from '../../../core/fleet/site-config.js';
import { SITE_CONFIG_SHADOW } from '../../../core/iot/shadow-topics.js';
import {
  deploymentShadowUpdate,
  type PoolDeploymentDesired,
  type PoolServingState,
  readReportedServing,
} from '../../../core/serving/deployment-shadow.js';
import type { SiteConfigPublisher } from '../ports.js';

/** What the publisher needs of the IoT data-plane client; a test passes a `{ send }` stub. */
export interface ShadowSender {
  send(command: UpdateThingShadowCommand | GetThingShadowCommand): Promise<unknown>;
}

/**
 * Publishes a gateway configuration as the desired state of the site thing's named shadow (IoT data plane
 * UpdateThingShadow with `shadowName`, payload from core/fleet/gateway-config-shadow.ts), and the pools' deployments
 * beside it (core/serving/deployment-shadow.ts). The Lambda's role may update and read only that shadow name on the
 * site things (stacks/constructs/iot-topics.ts, grantSiteConfigShadowUpdate).
 */
export class IotShadowSiteConfigPublisher implements SiteConfigPublisher {
  /** `client`: a traced IoT data-plane client (functions/shared/iot-data.ts createIotDataClient). */
  constructor(private readonly client: ShadowSender) {}

  publish(thingName: string, config: GatewayConfig): Promise<void> {
    return this.update(thingName, siteConfigShadowUpdate(config));
  }

  publishDeployment(thingName: string, desired: PoolDeploymentDesired): Promise<void> {
    return this.update(thingName, deploymentShadowUpdate(desired));
  }

  /** GetThingShadow; a shadow not yet created (ResourceNotFoundException) has reported nothing. */
  async servingState(thingName: string): Promise<Record<string, PoolServingState>> {
    try {
      const answer = (await this.client.send(
        new GetThingShadowCommand({ thingName, shadowName: SITE_CONFIG_SHADOW }),
      )) as { payload?: Uint8Array };
      const document = JSON.parse(new TextDecoder().decode(answer.payload ?? new Uint8Array())) as {
        state?: { reported?: unknown };
      };
      return readReportedServing(document.state?.reported);
    } catch (error) {
      if ((error as { name?: string }).name === 'ResourceNotFoundException') return {};
      throw error;
    }
  }

  private async update(thingName: string, payload: unknown): Promise<void> {
    await this.client.send(
      new UpdateThingShadowCommand({
        thingName,
        shadowName: SITE_CONFIG_SHADOW,
        payload: new TextEncoder().encode(JSON.stringify(payload)),
      }),
    );
  }
}
