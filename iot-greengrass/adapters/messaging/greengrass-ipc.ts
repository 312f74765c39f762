import type { LocalDeploymentClient } from './nucleus-endpoint-failover.js';
import { type Channel, type MessageHandler, type MessagingPort, topicMatches } from './port.js';

/**
 * The messaging port over Greengrass IPC (aws-iot-device-sdk-v2 `greengrasscoreipc`): `cloud` maps to
 * PublishToIoTCore / SubscribeToIoTCore, `local` to PublishToTopic / SubscribeToTopic. The nucleus owns the IoT Core
 * connection (and its own spooler), so from here the port is connected while IPC is.
 *
 * The subset of the IPC client used is typed below so a test can pass a fake: `createClient()` only works inside a
 * Greengrass core, where the nucleus sets the IPC socket and auth token in the environment.
 */

export interface IpcStream<M> {
  on(event: 'message', listener: (message: M) => void): unknown;
  activate(): Promise<unknown>;
  close(): Promise<unknown>;
}

export interface IpcClientSubset {
  connect(): Promise<void>;
  close(): Promise<void>;
  publishToIoTCore(request: { topicName: string; qos: '0' | '1'; payload?: string | Buffer }): Promise<unknown>;
  subscribeToIoTCore(request: {
    topicName: string;
    qos: '0' | '1';
  }): IpcStream<{ message?: { topicName: string; payload?: ArrayBuffer | Buffer | string } }>;
  publishToTopic(request: {
    topic: string;
    publishMessage: { binaryMessage?: { message?: string | Buffer } };
  }): Promise<unknown>;
  subscribeToTopic(request: {
    topic: string;
  }): IpcStream<{ binaryMessage?: { message?: ArrayBuffer | Buffer | string; context?: { topic?: string } } }>;
}

function toBuffer(payload: ArrayBuffer | Buffer | string | undefined): Buffer {
  if (payload === undefined) return Buffer.alloc(0);
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  return Buffer.isBuffer(payload) ? payload : Buffer.from(new Uint8Array(payload));
}

export async function connectIpcPort(client: IpcClientSubset): Promise<MessagingPort> {
  await client.connect();
  const streams: Array<IpcStream<unknown>> = [];
  let connected = true;
  const listeners = new Set<(connected: boolean) => void>();
  return {
    async publish(channel: Channel, topic: string, payload: string, qos: 0 | 1) {
      if (channel === 'cloud') {
        await client.publishToIoTCore({ topicName: topic, qos: qos === 1 ? '1' : '0', payload });
      } else {
        await client.publishToTopic({ topic, publishMessage: { binaryMessage: { message: payload } } });
      }
    },
    async subscribe(channel: Channel, topic: string, handler: MessageHandler) {
      if (channel === 'cloud') {
        const stream = client.subscribeToIoTCore({ topicName: topic, qos: '1' });
        stream.on('message', (event) => {
          const message = event.message;
          if (message && topicMatches(topic, message.topicName)) handler(message.topicName, toBuffer(message.payload));
        });
        streams.push(stream as IpcStream<unknown>);
        await stream.activate();
      } else {
        const stream = client.subscribeToTopic({ topic });
        stream.on('message', (event) => {
          const binary = event.binaryMessage;
          if (binary) handler(binary.context?.topic ?? topic, toBuffer(binary.message));
        });
        streams.push(stream as IpcStream<unknown>);
        await stream.activate();
      }
    },
    isConnected: () => connected,
    onConnectionChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      connected = false;
      for (const l of listeners) l(false);
      await Promise.all(streams.map((s) => s.close().catch(() => undefined)));
      await client.close();
    },
  };
}

/** The real client; only call inside a Greengrass core (the SDK is loaded lazily so tests never touch aws-crt). */
export async function connectGreengrassPort(): Promise<MessagingPort> {
  const { greengrasscoreipc } = await import('aws-iot-device-sdk-v2');
  return connectIpcPort(greengrasscoreipc.createClient() as unknown as IpcClientSubset);
}

/**
 * A second IPC connection for the Greengrass CLI's service (CreateLocalDeployment): the nucleus failover's
 * (nucleus-endpoint-failover.ts). Only inside a Greengrass core whose recipe depends on aws.greengrass.Cli.
 */
export async function connectLocalDeploymentClient(): Promise<LocalDeploymentClient> {
  const { greengrasscoreipc } = await import('aws-iot-device-sdk-v2');
  const client = greengrasscoreipc.createClient();
  await client.connect();
  return client;
}
