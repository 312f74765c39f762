import { connectAsync } from 'mqtt';
import type { Site } from '../../../core/model/site.js';
import type { RegisteredFleet } from '../../../functions/fleet/registry-fleet.js';
import type { LocalMqtt } from '../local-mqtt.js';
import { type ObserverHistory, PlatformObserver } from '../observer.js';
import type { SimClock } from '../sim-clock.js';
import { TELEMETRY_POLL_REAL_MS } from './sites.js';
import type { Stops } from './stops.js';

/** Step 5, the observer on the broker: the dashboard's data, from every site and market topic. */
export async function startObserver(
  o: {
    readonly sites: readonly Site[];
    readonly unitsPerDevice: ReadonlyMap<string, number>;
    readonly clock: SimClock;
    readonly mqtt: LocalMqtt;
    readonly history?: ObserverHistory;
  },
  stops: Stops,
): Promise<PlatformObserver> {
  const observer = new PlatformObserver({
    sites: o.sites,
    unitsPerDevice: o.unitsPerDevice,
    simNowMs: () => o.clock.nowMs(),
    simMsToRealMs: (simMs) => o.clock.toRealMs(simMs),
    // Five polls missed in a row.
    telemetryStaleRealMs: 5 * TELEMETRY_POLL_REAL_MS,
    ...(o.history ? { history: o.history } : {}),
  });
  const listener = await connectAsync(o.mqtt.broker.url, {
    clientId: 'hcp-observer',
    reconnectPeriod: 500,
    ...o.mqtt.observer,
  });
  stops.push(() => listener.endAsync(true));
  listener.on('message', (topic, payload) => observer.handleMessage(topic, payload));
  await listener.subscribeAsync(PlatformObserver.topics, { qos: 0 });
  return observer;
}

/** Real time between the observer's reads of the registry: a site registered through the API shows within it. */
export const REGISTRY_FOLLOW_REAL_MS = 1_000;

/**
 * Step 7c, once the sites are registered: the observer follows the registry (the store the operator API writes), so
 * a site added, changed or retired through the API shows on the dashboard as it is, without a restart.
 */
export function followRegistry(
  observer: PlatformObserver,
  registered: () => Promise<Pick<RegisteredFleet, 'sites'>>,
  stops: Stops,
  onError: (error: unknown) => void,
): Promise<void> {
  const sync = () =>
    registered()
      .then((fleet) => observer.syncSites(fleet.sites))
      .catch(onError);
  const timer = setInterval(() => void sync(), REGISTRY_FOLLOW_REAL_MS);
  stops.push(async () => clearInterval(timer));
  return sync();
}
