import type { Clock } from '../../../core/support/clock.js';
import { systemClock } from '../../../core/support/clock.js';
import { connectMqttPort, type MqttPortOptions } from './mqtt-client.js';
import type { Channel, MessageHandler, MessagingPort } from './port.js';

/**
 * The gateway's IoT Core endpoints, one per region (primary first), and its failover rule: stay on the endpoint it is
 * on while it answers; once it has been unreachable for `failoverAfterMs` in a row, move to the next one (wrapping
 * round). It does not move back on its own when the primary returns: whichever region holds the site's lease
 * commands it on the endpoint the gateway is on (both regions' SwitchFlows publish to their own IoT Core, and the
 * fencing epoch, not the endpoint, decides whose command runs), and flapping between regions would lose messages in
 * the moves. Telemetry spooled while moving is sent to the new endpoint.
 */
export interface EndpointFailoverOptions {
  /** MQTT URLs, primary first (e.g. mqtts://<prefix>-ats.iot.us-east-2.amazonaws.com:8883). */
  readonly urls: readonly string[];
  readonly clientId: string;
  /** @default 60_000 (a minute: longer than a broker restart or a short network loss) */
  readonly failoverAfterMs?: number;
  /** TLS material and anything else mqtt.js accepts, the same for every endpoint (one certificate, registered in each region). */
  readonly mqtt?: MqttPortOptions['mqtt'];
  readonly reconnectPeriodMs?: number;
  readonly clock?: Clock;
  /** How often the rule is checked. @default 1000 */
  readonly checkEveryMs?: number;
}

export const DEFAULT_FAILOVER_AFTER_MS = 60_000;

/** The rule, pure: the endpoint to use next, given how long the current one has been unreachable. */
export function endpointAfter(
  current: number,
  count: number,
  disconnectedSinceMs: number | undefined,
  nowMs: number,
  failoverAfterMs: number,
): number {
  if (disconnectedSinceMs === undefined || nowMs - disconnectedSinceMs < failoverAfterMs) return current;
  return (current + 1) % count;
}

/** A messaging port over the endpoints with the failover rule; `endpoint()` says which one it is on. */
export async function connectWithFailover(
  options: EndpointFailoverOptions,
): Promise<MessagingPort & { endpoint(): string }> {
  if (options.urls.length === 0) throw new Error('endpoint failover needs at least one MQTT URL');
  const clock = options.clock ?? systemClock;
  const failoverAfterMs = options.failoverAfterMs ?? DEFAULT_FAILOVER_AFTER_MS;
  const subscriptions: Array<{ channel: Channel; topic: string; handler: MessageHandler }> = [];
  const listeners = new Set<(connected: boolean) => void>();
  let index = 0;
  let disconnectedSinceMs: number | undefined = clock.nowMs();
  let closed = false;
  let moving: Promise<void> | undefined;

  const connect = async (url: string) => {
    const port = await connectMqttPort({
      url,
      clientId: options.clientId,
      waitForConnection: false,
      ...(options.reconnectPeriodMs !== undefined ? { reconnectPeriodMs: options.reconnectPeriodMs } : {}),
      ...(options.mqtt ? { mqtt: options.mqtt } : {}),
    });
    for (const s of subscriptions) await port.subscribe(s.channel, s.topic, s.handler);
    port.onConnectionChange((connected) => {
      if (port !== current) return;
      disconnectedSinceMs = connected ? undefined : (disconnectedSinceMs ?? clock.nowMs());
      for (const l of listeners) l(connected);
    });
    return port;
  };
  let current: MessagingPort = await connect(options.urls[0]!);

  const timer = setInterval(() => {
    if (closed || moving) return;
    if (current.isConnected()) disconnectedSinceMs = undefined;
    const next = endpointAfter(index, options.urls.length, disconnectedSinceMs, clock.nowMs(), failoverAfterMs);
    if (next === index) return;
    moving = (async () => {
      const old = current;
      index = next;
      disconnectedSinceMs = clock.nowMs();
      current = await connect(options.urls[next]!);
      await old.close();
    })().finally(() => {
      moving = undefined;
    });
  }, options.checkEveryMs ?? 1000);
  timer.unref();

  return {
    endpoint: () => options.urls[index]!,
    publish: (channel, topic, payload, qos) => current.publish(channel, topic, payload, qos),
    subscribe: async (channel, topic, handler) => {
      subscriptions.push({ channel, topic, handler });
      await current.subscribe(channel, topic, handler);
    },
    isConnected: () => current.isConnected(),
    onConnectionChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      closed = true;
      clearInterval(timer);
      await moving;
      await current.close();
    },
  };
}
