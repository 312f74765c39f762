import type { GatewayConfig } from '../../../core/fleet/site-config.js';
import type { PoolDeploymentDesired, PoolServingState } from '../../../core/serving/deployment-shadow.js';
import type { SiteConfigPublisher } from '../ports.js';

/** Keeps what was published, by thing name, newest last: the tests' and the simulator's publisher. */
export class MemorySiteConfigPublisher implements SiteConfigPublisher {
  readonly published: Array<{ readonly thingName: string; readonly config: GatewayConfig }> = [];
  readonly deployments: Array<{ readonly thingName: string; readonly desired: PoolDeploymentDesired }> = [];
  /** What a test has the gateway report, by thing name. */
  readonly reported = new Map<string, Record<string, PoolServingState>>();

  async publish(thingName: string, config: GatewayConfig): Promise<void> {
    this.published.push({ thingName, config });
  }

  async publishDeployment(thingName: string, desired: PoolDeploymentDesired): Promise<void> {
    this.deployments.push({ thingName, desired });
  }

  async servingState(thingName: string): Promise<Record<string, PoolServingState>> {
    return this.reported.get(thingName) ?? {};
  }

  latest(thingName: string): GatewayConfig | undefined {
    return this.published.findLast((p) => p.thingName === thingName)?.config;
  }
}
