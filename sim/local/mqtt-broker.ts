import net from 'node:net';
import { Aedes } from 'aedes';
import { closeServer, listen } from './free-port.js';

/**
 * The local stand-in for IoT Core's MQTT broker: aedes embedded in this process, plain MQTT 3.1.1 on loopback, no
 * authentication (X.509 and IoT policies are tested apart). Gateways and services get `url` as configuration.
 */

export interface MqttBrokerOptions {
  /** @default 0, any free port */
  readonly port?: number;
  /** @default '127.0.0.1', so nothing outside the machine can connect */
  readonly host?: string;
}

export interface RunningMqttBroker {
  /** e.g. `mqtt://127.0.0.1:41883` */
  readonly url: string;
  readonly port: number;
  /** Disconnects every client and stops listening. */
  stop(): Promise<void>;
}

export async function startMqttBroker(options: MqttBrokerOptions = {}): Promise<RunningMqttBroker> {
  const { port: requestedPort = 0, host = '127.0.0.1' } = options;
  const broker = await Aedes.createBroker();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    // Nagle's algorithm holds small MQTT packets back ~40 ms behind an unacknowledged one; IoT Core does not.
    socket.setNoDelay(true);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  let port: number;
  try {
    port = await listen(server, requestedPort, host);
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }
  let stopped: Promise<void> | undefined;
  return {
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stop() {
      stopped ??= (async () => {
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        // Clients that keep reconnecting would hold the server open; closing their sockets ends them.
        for (const socket of sockets) socket.destroy();
        await closeServer(server);
      })();
      return stopped;
    },
  };
}
