import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AedesOptions, type AuthenticateError, type Client } from 'aedes';
import { mayConnectAs, mayPublish, maySubscribe } from '../../core/iot/topic-access.js';
import { closeServer, listen } from './free-port.js';
import type { MqttIdentity } from './local-mqtt-identities.js';

/**
 * The local stand-in for IoT Core's MQTT broker: aedes embedded in this process, MQTT 3.1.1 on loopback. With `tls`
 * it does what IoT Core does with X.509 client certificates: no certificate from its CA, no connection; a revoked or
 * unknown one is refused at CONNECT; each client may connect as, publish to and subscribe to only what its identity's
 * topic rules allow (core/iot/topic-access.ts, the rules the CDK stack renders into the gateway policy). A refused
 * publish ends the connection, as IoT Core does; a refused subscription gets the 0x80 failure code. Without `tls` it
 * is plain MQTT with no authentication, for the tests that exercise other things.
 */

export interface MqttBrokerTls {
  readonly key: string;
  readonly cert: string;
  /** The CA client certificates must be signed by. */
  readonly ca: string;
  /** Who a verified client certificate is; undefined (revoked, unknown) refuses the connection. */
  readonly identityOf: (certificate: tls.PeerCertificate) => MqttIdentity | undefined;
}

/** One refusal, with who was refused: the certificate's CN and serial, or the address of a client that showed none. */
export interface BrokerRefusal {
  readonly stage: 'tls' | 'connect' | 'publish' | 'subscribe';
  readonly client: string;
  readonly clientId?: string;
  readonly topic?: string;
  readonly reason: string;
}

export interface MqttBrokerOptions {
  /** @default 0, any free port */
  readonly port?: number;
  /** @default '127.0.0.1', so nothing outside the machine can connect */
  readonly host?: string;
  /** Mutual TLS and per-identity topic rules; without it, plain MQTT for anyone. */
  readonly tls?: MqttBrokerTls;
  /** Called for every refusal (TLS mode). @default logs a line to stderr */
  readonly onRefused?: (refusal: BrokerRefusal) => void;
}

export interface RunningMqttBroker {
  /** e.g. `mqtt://127.0.0.1:41883`, or `mqtts://…` with TLS */
  readonly url: string;
  readonly port: number;
  /**
   * For services that live inside IoT Core (the Device Shadow service, sim/local/device-shadows.ts): every publish a
   * client made (after its topic rules allowed it), and publishing as the broker itself.
   */
  readonly inProcess: {
    onClientPublish(listener: (topic: string, payload: Buffer) => void): void;
    publish(topic: string, payload: string): Promise<void>;
  };
  /** Disconnects every client and stops listening. */
  stop(): Promise<void>;
}

const logRefusal = (r: BrokerRefusal) =>
  console.error(
    `mqtt broker refused ${r.stage} from ${r.client}${r.clientId ? ` (client id ${r.clientId})` : ''}${r.topic ? ` on ${r.topic}` : ''}: ${r.reason}`,
  );

/** The certificate's identity for the log: CN and serial. */
function describePeer(client: Client): string {
  const socket = client.conn as unknown as tls.TLSSocket;
  const peer = socket.getPeerCertificate?.();
  if (!peer?.subject) return `${socket.remoteAddress ?? 'unknown'} (no certificate)`;
  return `CN=${peer.subject.CN} serial ${peer.serialNumber}`;
}

export async function startMqttBroker(options: MqttBrokerOptions = {}): Promise<RunningMqttBroker> {
  const { port: requestedPort = 0, host = '127.0.0.1', tls: tlsOptions, onRefused = logRefusal } = options;
  const identities = new WeakMap<Client, MqttIdentity>();
  const broker = await Aedes.createBroker(tlsOptions ? authorization(tlsOptions, identities, onRefused) : {});
  const sockets = new Set<net.Socket>();
  const accept = (socket: net.Socket) => {
    sockets.add(socket);
    // Nagle's algorithm holds small MQTT packets back ~40 ms behind an unacknowledged one; IoT Core does not.
    socket.setNoDelay(true);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  };
  const server = tlsOptions
    ? tls.createServer(
        { key: tlsOptions.key, cert: tlsOptions.cert, ca: tlsOptions.ca, requestCert: true, rejectUnauthorized: true },
        accept,
      )
    : net.createServer(accept);
  if (tlsOptions) {
    server.on('tlsClientError', (error: Error, socket: tls.TLSSocket) => {
      onRefused({ stage: 'tls', client: `${socket.remoteAddress ?? 'unknown'}`, reason: error.message });
    });
  }
  let port: number;
  try {
    port = await listen(server, requestedPort, host);
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const inProcess: RunningMqttBroker['inProcess'] = {
    onClientPublish(listener) {
      broker.on('publish', (packet, client) => {
        if (client)
          listener(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload));
      });
    },
    publish: (topic, payload) =>
      new Promise<void>((resolve, reject) =>
        broker.publish(
          { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false },
          (error) => (error ? reject(error) : resolve()),
        ),
      ),
  };
  return {
    inProcess,
    url: `${tlsOptions ? 'mqtts' : 'mqtt'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
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

/** aedes's hooks applying each TLS client's identity and its topic rules. */
function authorization(
  options: MqttBrokerTls,
  identities: WeakMap<Client, MqttIdentity>,
  onRefused: (refusal: BrokerRefusal) => void,
): Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'> {
  const refuse = (client: Client, stage: BrokerRefusal['stage'], reason: string, topic?: string) =>
    onRefused({ stage, client: describePeer(client), clientId: client.id, reason, ...(topic ? { topic } : {}) });
  // CONNACK return code 5, "not authorized" (MQTT 3.1.1 §3.2.2.3).
  const notAuthorized = (message: string) =>
    Object.assign(new Error(message), { returnCode: 5 as AuthenticateError['returnCode'] });
  return {
    authenticate(client, _username, _password, done) {
      const peer = (client.conn as unknown as tls.TLSSocket).getPeerCertificate?.();
      const identity = peer?.subject ? options.identityOf(peer) : undefined;
      if (!identity) {
        refuse(client, 'connect', 'certificate revoked or not issued by this platform');
        return done(notAuthorized('certificate not authorized'), false);
      }
      if (!mayConnectAs(identity.access, client.id)) {
        refuse(client, 'connect', `${identity.name} may not connect as client id ${client.id}`);
        return done(notAuthorized('client id not authorized'), false);
      }
      identities.set(client, identity);
      return done(null, true);
    },
    authorizePublish(client, packet, done) {
      if (!client) return done(null); // the broker's own messages (aedes $SYS), never a client's
      const identity = identities.get(client);
      if (identity && mayPublish(identity.access, packet.topic)) return done(null);
      refuse(client, 'publish', `${identity?.name ?? 'unknown'} may not publish here`, packet.topic);
      done(new Error(`publish to ${packet.topic} not authorized`));
    },
    authorizeSubscribe(client, subscription, done) {
      const identity = identities.get(client);
      if (identity && maySubscribe(identity.access, subscription.topic)) return done(null, subscription);
      refuse(client, 'subscribe', `${identity?.name ?? 'unknown'} may not subscribe here`, subscription.topic);
      done(null, null);
    },
  };
}
