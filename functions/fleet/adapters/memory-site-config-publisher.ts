import type { GatewayConfig } from '../../../core/fleet/site-config.js';
import type { SiteConfigPublisher } from '../ports.js';

/** Keeps what was published, by thing name, newest last: the tests' and the simulator's publisher. */
export class MemorySiteConfigPublisher implements SiteConfigPublisher {
  readonly published: Array<{ readonly thingName: string; readonly config: GatewayConfig }> = [];

  async publish(thingName: string, config: GatewayConfig): Promise<void> {
    this.published.push({ thingName, config });
  }

  latest(thingName: string): GatewayConfig | undefined {
    return this.published.findLast((p) => p.thingName === thingName)?.config;
  }
}
