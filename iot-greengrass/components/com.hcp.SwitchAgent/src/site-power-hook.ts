import { siteTopic } from '../../../../core/messages/topics.js';
import type { Site } from '../../../../core/model/site.js';
import type { DeviceDriver, GatewayDevice } from '../../../adapters/device-port.js';
import type { MessagingPort } from '../../../adapters/messaging/port.js';
import type { SiteMeterPort } from '../../../adapters/meter/sunspec-meter.js';
import type { SwitchAgentConfig } from './config.js';
import type { AgentMemory } from './persistence.js';
import { type PowerAction, SitePower } from './site-power.js';

type Log = (event: string, detail: Record<string, unknown>) => void;

interface HookDeps {
  readonly config: SwitchAgentConfig;
  readonly site?: Site;
  readonly devices: readonly GatewayDevice[];
  readonly driver: DeviceDriver;
  readonly meter?: SiteMeterPort;
}

/** The controller when the configuration names a meter and the agent has one and the site model; else none. */
export function sitePowerFor(deps: HookDeps, memory: AgentMemory, log: Log): SitePower | undefined {
  const { config, site, meter } = deps;
  if (!config.sitePower) return undefined;
  if (!site || !meter) {
    log('site-power-off', { reason: site ? 'no meter port' : 'no site model' });
    return undefined;
  }
  return new SitePower({
    config: config.sitePower,
    site,
    devices: deps.devices,
    meter,
    driver: deps.driver,
    concurrency: config.concurrency,
    log,
    memory: memory.sitePower,
  });
}

/** Each controller action on the site's events topic (QoS 1), where the cloud and the dashboard can see it. */
export function publishPowerActions(
  deps: { readonly config: SwitchAgentConfig; readonly messaging: MessagingPort },
  nowMs: number,
  actions: readonly PowerAction[],
  log: Log,
): void {
  for (const action of actions) publishSiteEvent(deps, nowMs, { type: 'power-control', ...action }, log);
}

/** One of the gateway's own actions on the site's events topic (QoS 1), stamped with the site and the time. */
export function publishSiteEvent(
  deps: { readonly config: SwitchAgentConfig; readonly messaging: MessagingPort },
  nowMs: number,
  event: { readonly type: string } & Record<string, unknown>,
  log: Log,
): void {
  const { siteId } = deps.config;
  const message = { siteId, at: new Date(nowMs).toISOString(), ...event };
  deps.messaging
    .publish('cloud', siteTopic(siteId, 'events'), JSON.stringify(message), 1)
    .catch((error: unknown) => log('event-publish-failed', { error: String(error) }));
}
