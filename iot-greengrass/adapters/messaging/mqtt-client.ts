import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type Channel, type MessageHandler, type MessagingPort, topicMatches } from './port.js';

/**
 * The messaging port over a direct MQTT connection (mqtt.js): the local platform's aedes broker, or IoT Core with an
 * X.509 client certificate where Greengrass is not installed. Both channels share the one connection.
 */
export interface MqttPortOptions {
  readonly url: string;
  readonly clientId: string;
  /** Short on loopback so a restarted broker is found within a tick. @default 1000 */
  readonly reconnectPeriodMs?: number;
  /** TLS material and anything else mqtt.js accepts. */
  readonly mqtt?: IClientOptions;
  /**
   * Wait for the first CONNACK (5 s) before resolving. A gateway passes false: it starts with the broker down, acts
   * on its own meanwhile, and its subscriptions take effect when the connection comes. @default true
   */
  readonly waitForConnection?: boolean;
}

export async function connectMqttPort(options: MqttPortOptions): Promise<MessagingPort> {
  const client: MqttClient = mqtt.connect(options.url, {
    clientId: options.clientId,
    reconnectPeriod: options.reconnectPeriodMs ?? 1000,
    connectTimeout: 5000,
    // A QoS 1 publish left unacknowledged by a dropped connection is resent from mqtt.js's store on reconnect; the
    // spool above waits for that PUBACK instead of sending a second copy.
    clean: true,
    ...options.mqtt,
  });
  const handlers: Array<{ filter: string; handler: MessageHandler }> = [];
  const listeners = new Set<(connected: boolean) => void>();
  client.on('message', (topic, payload) => {
    for (const h of handlers) if (topicMatches(h.filter, topic)) h.handler(topic, payload);
  });
  const noDelay = () => (client.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true);
  client.on('connect', () => {
    // mqtt.js writes a packet in pieces; with Nagle on, the peer's delayed ACK holds every message ~40 ms.
    noDelay();
    // Every filter, also those asked for while there was no connection (a clean session starts with none).
    for (const filter of new Set(handlers.map((h) => h.filter))) {
      client.subscribeAsync(filter, { qos: 1 }).catch(() => undefined);
    }
    for (const l of listeners) l(true);
  });
  client.on('close', () => {
    for (const l of listeners) l(false);
  });
  // Errors are reported through close/reconnect; an unhandled 'error' event would end the process.
  client.on('error', () => undefined);
  if (options.waitForConnection !== false) await firstConnack(client, options.url);
  return {
    publish: (_channel: Channel, topic, payload, qos) =>
      new Promise<void>((resolve, reject) => {
        client.publish(topic, payload, { qos }, (error) => (error ? reject(error) : resolve()));
      }),
    subscribe: async (_channel, topic, handler) => {
      handlers.push({ filter: topic, handler });
      // Offline, the connect handler subscribes it when the broker is back.
      if (client.connected) await client.subscribeAsync(topic, { qos: 1 });
    },
    isConnected: () => client.connected,
    onConnectionChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      await client.endAsync(true);
    },
  };
}

function firstConnack(client: MqttClient, url: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Stop the reconnect loop too: a caller that gets this error has no client to end.
      client.end(true);
      reject(new Error(`MQTT ${url}: no CONNACK in 5 s`));
    }, 5000);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
