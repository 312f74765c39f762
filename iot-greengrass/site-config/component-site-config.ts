import path from 'node:path';
import type { GatewayConfig } from '../../core/fleet/site-config.js';
import { SITE_CONFIG_SHADOW } from '../../core/iot/shadow-topics.js';
import type { Clock } from '../../core/support/clock.js';
import { namedShadowOverMqtt } from '../adapters/messaging/named-shadow.js';
import { type MessagingPort, scopedMessaging } from '../adapters/messaging/port.js';
import { SiteConfigKeeper } from './site-config-keeper.js';

/**
 * A Greengrass component's life on its site configuration: `start` runs it on a configuration (with a messaging scope
 * of its own), and a newer configuration from the named shadow stops that run and starts the next. Until the first
 * configuration (cache or shadow) nothing runs: a component with no devices has nothing to drive.
 */
export async function runOnSiteConfig(options: {
  readonly siteId: string;
  readonly messaging: MessagingPort;
  /** The component's work directory: the configuration cache lives under it. */
  readonly stateDir: string;
  readonly clock: Clock;
  readonly start: (config: GatewayConfig, messaging: MessagingPort) => Promise<{ stop(): Promise<void> }>;
  readonly log: (event: string, detail: Record<string, unknown>) => void;
  /** Whether this component writes the shadow's reported state and the events (one per gateway). */
  readonly reports: boolean;
}): Promise<{ keeper: SiteConfigKeeper; stop(): Promise<void> }> {
  // The run is kept as `start` returned it: an agent class's `stop` lives on its prototype, which a spread drops.
  let running: { run: { stop(): Promise<void> }; scope: MessagingPort } | undefined;
  const apply = async (config: GatewayConfig) => {
    if (running) {
      await running.run.stop();
      await running.scope.close();
    }
    const scope = scopedMessaging(options.messaging);
    running = { run: await options.start(config, scope), scope };
  };
  const keeper = await SiteConfigKeeper.start({
    siteId: options.siteId,
    cacheFile: path.join(options.stateDir, 'site-config', 'gateway-config.json'),
    shadow: await namedShadowOverMqtt(options.messaging, options.siteId, SITE_CONFIG_SHADOW),
    messaging: options.messaging,
    clock: options.clock,
    apply,
    log: options.log,
    reports: options.reports,
  });
  return {
    keeper,
    stop: async () => {
      await running?.run.stop();
    },
  };
}
