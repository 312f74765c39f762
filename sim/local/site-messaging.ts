import {
  type Channel,
  type MessageHandler,
  type MessagingPort,
  topicMatches,
} from '../../iot-greengrass/adapters/messaging/port.js';

/**
 * Local stand-ins for what a Greengrass core gives its components, so a gateway can be cut off from the cloud the way
 * a real site is:
 * - `startSiteBus()`: the nucleus's local pub/sub (IPC PublishToTopic/SubscribeToTopic), in process and always up; a
 *   meter or relay on the site LAN publishes grid signals there whether or not the cloud is reachable.
 * - `splitChannels()`: one port whose `local` channel is that bus and whose `cloud` channel is the MQTT connection, as
 *   the IPC adapter splits them. The direct MQTT adapter alone puts both on the one broker connection, so there a
 *   broker outage silences local signals too (test/reliability/gateway-cut.test.ts shows both).
 * - `connectInBackground()`: a cloud port handed out at once and connected when the broker answers, as the nucleus
 *   is to a component it (re)starts while the site is offline; `connectMqttPort` alone refuses to start without a
 *   CONNACK.
 */

export interface SiteBus {
  /** The `local` channel of a gateway's port. */
  readonly port: MessagingPort;
  /** What a meter on the site LAN does: delivers to every local subscriber of the topic, synchronously. */
  publish(topic: string, payload: string): void;
}

export function startSiteBus(): SiteBus {
  const handlers: Array<{ filter: string; handler: MessageHandler }> = [];
  const publish = (topic: string, payload: string) => {
    const buffer = Buffer.from(payload, 'utf8');
    for (const h of handlers) if (topicMatches(h.filter, topic)) h.handler(topic, buffer);
  };
  const port: MessagingPort = {
    publish: async (_channel, topic, payload) => publish(topic, payload),
    subscribe: async (_channel, topic, handler) => {
      handlers.push({ filter: topic, handler });
    },
    isConnected: () => true,
    onConnectionChange: () => () => undefined,
    close: async () => {
      handlers.length = 0;
    },
  };
  return { port, publish };
}

/** `local` to the site bus, `cloud` to the cloud connection; connectivity is the cloud's. */
export function splitChannels(ports: { readonly cloud: MessagingPort; readonly local: MessagingPort }): MessagingPort {
  const pick = (channel: Channel) => (channel === 'local' ? ports.local : ports.cloud);
  return {
    publish: (channel, topic, payload, qos) => pick(channel).publish(channel, topic, payload, qos),
    subscribe: (channel, topic, handler) => pick(channel).subscribe(channel, topic, handler),
    isConnected: () => ports.cloud.isConnected(),
    onConnectionChange: (listener) => ports.cloud.onConnectionChange(listener),
    close: async () => {
      await Promise.all([ports.cloud.close(), ports.local.close()]);
    },
  };
}

export interface BackgroundPortOptions {
  /** Connects once; rejects when the broker does not answer (e.g. `() => connectMqttPort({...})`). */
  readonly connect: () => Promise<MessagingPort>;
  /** Pause between attempts. @default 200 */
  readonly retryMs?: number;
}

/**
 * A port usable at once: subscriptions are recorded and made on the connection when it comes, publishes wait for it
 * (as mqtt.js queues them offline), `isConnected` is false until then. After the first connection the underlying
 * port reconnects on its own.
 */
export function connectInBackground(options: BackgroundPortOptions): MessagingPort {
  const subscriptions: Array<{ channel: Channel; topic: string; handler: MessageHandler }> = [];
  const listeners = new Set<(connected: boolean) => void>();
  let closed = false;
  let current: MessagingPort | undefined;
  const ready = (async () => {
    while (!closed) {
      try {
        const port = await options.connect();
        if (closed) {
          await port.close();
          break;
        }
        for (const s of subscriptions) await port.subscribe(s.channel, s.topic, s.handler);
        current = port;
        port.onConnectionChange((connected) => {
          for (const l of listeners) l(connected);
        });
        for (const l of listeners) l(true);
        return port;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, options.retryMs ?? 200));
      }
    }
    return undefined;
  })();
  return {
    publish: async (channel, topic, payload, qos) => {
      const port = current ?? (await ready);
      if (!port) throw new Error('messaging port closed before the broker answered');
      await port.publish(channel, topic, payload, qos);
    },
    subscribe: async (channel, topic, handler) => {
      subscriptions.push({ channel, topic, handler });
      if (current) await current.subscribe(channel, topic, handler);
    },
    isConnected: () => current?.isConnected() ?? false,
    onConnectionChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      closed = true;
      await current?.close();
    },
  };
}
