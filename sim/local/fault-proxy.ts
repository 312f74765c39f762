import net from 'node:net';
import { closeServer, listen } from './free-port.js';

/**
 * A TCP proxy in front of one local endpoint (the MQTT broker, a virtual miner) that a test can break on demand. Give
 * the client `url`/`port` instead of the endpoint's; `setMode` changes what the proxy does with new connections (and
 * `cut` drops the open ones too):
 * - `pass`: relays both ways (the default);
 * - `cut`: drops every open connection and refuses new ones (a cable pulled, a broker unreachable);
 * - `blackhole`: accepts and reads, never forwards or answers (a wedged peer behind a live port);
 * - `garbage`: answers each connection with `garbage` and closes, never reaching the endpoint (a device whose
 *   firmware answers nonsense).
 */
export type FaultMode = 'pass' | 'cut' | 'blackhole' | 'garbage';

export interface FaultProxyOptions {
  readonly targetPort: number;
  /** @default '127.0.0.1' */
  readonly targetHost?: string;
  /** @default 'pass' */
  readonly mode?: FaultMode;
  /** What `garbage` mode answers, NUL-terminated as a cgminer reply is. @default a reply that is not JSON */
  readonly garbage?: string;
}

export interface FaultProxy {
  readonly url: string;
  readonly port: number;
  readonly mode: FaultMode;
  setMode(mode: FaultMode): void;
  /** Connections accepted since start, in every mode: lets a test count how often a client tried. */
  readonly accepted: number;
  close(): Promise<void>;
}

const DEFAULT_GARBAGE = '\u0007STATUS=S,When=0|garbled\u0000';

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const host = options.targetHost ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  let mode: FaultMode = options.mode ?? 'pass';
  let accepted = 0;
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A peer vanishing mid-stream costs only its socket.
    socket.on('error', () => socket.destroy());
  };
  const server = net.createServer((client) => {
    accepted += 1;
    track(client);
    if (mode === 'cut') return void client.destroy();
    if (mode === 'blackhole') return void client.resume();
    if (mode === 'garbage') return void client.end(options.garbage ?? DEFAULT_GARBAGE);
    client.setNoDelay(true);
    const upstream = net.connect({ host, port: options.targetPort });
    track(upstream);
    upstream.setNoDelay(true);
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  server.on('error', () => undefined);
  const port = await listen(server, 0, '127.0.0.1');
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    get mode() {
      return mode;
    },
    get accepted() {
      return accepted;
    },
    setMode(next) {
      mode = next;
      if (next === 'cut') for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}
