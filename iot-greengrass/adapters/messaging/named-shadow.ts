import { randomUUID } from 'node:crypto';
import { namedShadowTopic, type ShadowReplyTopic } from '../../../core/iot/shadow-topics.js';
import type { MessagingPort } from './port.js';

/**
 * The gateway's side of one named shadow, over the device shadow MQTT topics on the cloud channel: IoT Core directly
 * (the local platform's broker, sim/local/device-shadows.ts) or, on Greengrass, the nucleus's IoT Core connection
 * (PublishToIoTCore / SubscribeToIoTCore on the shadow topics, which the recipe's accessControl names one by one).
 * The shadow is read with `/get`; a `/update/delta` means the desired state changed, and is answered with a fresh
 * `/get` (a delta holds only the fields that differ, the gateway wants the whole desired section).
 */
export interface NamedShadowPort {
  /** Called with each full desired section the shadow holds (`undefined` when the shadow or its desired is absent). */
  onDesired(handler: (desired: unknown) => void): void;
  /** Publishes a `/get`; the answer arrives through `onDesired`. */
  requestDesired(): Promise<void>;
  /** Publishes `{ state: { reported } }` to `/update`. */
  report(reported: Record<string, unknown>): Promise<void>;
}

export async function namedShadowOverMqtt(
  messaging: MessagingPort,
  thing: string,
  shadow: string,
): Promise<NamedShadowPort> {
  const handlers: Array<(desired: unknown) => void> = [];
  const topic = (operation: Parameters<typeof namedShadowTopic>[2]) => namedShadowTopic(thing, shadow, operation);
  const deliver = (desired: unknown) => {
    for (const handler of handlers) handler(desired);
  };
  const parse = (payload: Buffer): Record<string, unknown> | undefined => {
    try {
      const value = JSON.parse(payload.toString('utf8')) as unknown;
      return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const port: NamedShadowPort = {
    onDesired: (handler) => {
      handlers.push(handler);
    },
    requestDesired: () => messaging.publish('cloud', topic('get'), JSON.stringify({ clientToken: randomUUID() }), 1),
    report: (reported) => messaging.publish('cloud', topic('update'), JSON.stringify({ state: { reported } }), 1),
  };
  const subscribe = (operation: ShadowReplyTopic, handler: (body: Record<string, unknown> | undefined) => void) =>
    messaging.subscribe('cloud', topic(operation), (_t, payload) => handler(parse(payload)));
  await subscribe('get/accepted', (body) => deliver((body?.state as { desired?: unknown } | undefined)?.desired));
  // 404: no shadow yet (a site registered before its first publish); the gateway keeps what it has.
  await subscribe('get/rejected', (body) => {
    if (body?.code === 404) deliver(undefined);
  });
  await subscribe('update/delta', () => void port.requestDesired().catch(() => undefined));
  // A reconnect may have missed a delta: read the shadow again each time the cloud comes back.
  messaging.onConnectionChange((connected) => {
    if (connected) void port.requestDesired().catch(() => undefined);
  });
  return port;
}
