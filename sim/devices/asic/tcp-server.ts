import net from 'node:net';
import { closeServer, listen } from '../../local/free-port.js';

export interface RequestServerOptions {
  readonly host: string;
  /** 0 for any free port. */
  readonly port: number;
  /** A request still incomplete after this long is answered as malformed and the connection closed. */
  readonly idleTimeoutMs?: number;
  /** Larger requests are answered as malformed (cgminer reads into a fixed buffer). */
  readonly maxRequestBytes?: number;
}

/**
 * Failure modes a gateway must survive, injectable per endpoint: `hang` accepts and reads but never answers (a wedged
 * cgminer), `reset` drops every connection at once (a rebooting control board), `slow` answers after `delayMs`.
 */
export type EndpointFault =
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'slow'; readonly delayMs: number };

export interface RequestServer {
  readonly host: string;
  readonly port: number;
  /** Injects a failure mode for new connections; null restores normal service. */
  setFault(fault: EndpointFault | null): void;
  /** Open connections: lets tests check that cut requests do not leak sockets. */
  openConnections(): number;
  close(): Promise<void>;
}

const DEFAULTS = { idleTimeoutMs: 5000, maxRequestBytes: 64 * 1024 };

/**
 * cgminer's API transport: one request per connection; the reply is written with a trailing NUL byte and the server
 * closes the connection (API-README: "reply with a string and then close the socket each time"). A JSON request is
 * answered as soon as it parses, so clients that keep their write side open (most do) are served; one that half-closes
 * first is answered too. Text requests (`summary|`) are answered on their first chunk, as cgminer does a single read.
 */
export async function startRequestServer(
  options: RequestServerOptions,
  answer: (request: string) => string,
): Promise<RequestServer> {
  const { idleTimeoutMs, maxRequestBytes } = { ...DEFAULTS, ...options };
  const sockets = new Set<net.Socket>();
  let fault: EndpointFault | null = null;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (fault?.kind === 'reset') {
      socket.resetAndDestroy();
      return;
    }
    const delayMs = fault?.kind === 'slow' ? fault.delayMs : 0;
    const hang = fault?.kind === 'hang';
    let buffer = '';
    let answered = false;
    const reply = (request: string) => {
      if (answered) return;
      answered = true;
      if (hang) return;
      socket.setTimeout(0);
      let text: string;
      try {
        text = answer(request);
      } catch (error) {
        // A bug in a handler must not take the fleet down; report it the way cgminer reports a fatal code error.
        text = JSON.stringify({
          STATUS: [{ STATUS: 'F', When: 0, Code: 0, Msg: String(error), Description: 'virtual miner' }],
          id: 1,
        });
      }
      if (delayMs > 0) setTimeout(() => socket.end(`${text}\0`), delayMs).unref();
      else socket.end(`${text}\0`);
    };
    socket.setEncoding('utf8');
    socket.setTimeout(idleTimeoutMs, () => {
      // A stalled partial request is answered (Invalid JSON) and closed gracefully; anything else is dropped.
      if (buffer.trim() !== '' && !answered && !hang) reply(buffer);
      else socket.destroy();
    });
    socket.on('data', (chunk: string) => {
      if (answered) return;
      buffer += chunk;
      if (buffer.length > maxRequestBytes) return reply('{"oversized request"');
      const trimmed = buffer.replace(/\0+$/, '').trim();
      if (trimmed === '') return;
      if (!trimmed.startsWith('{') || jsonProgress(trimmed) !== 'incomplete') reply(buffer);
    });
    socket.on('end', () => {
      // The client half-closed: answer whatever arrived (a cut request becomes an Invalid JSON reply).
      if (buffer.trim() !== '') reply(buffer);
      else socket.end();
    });
    // Clients that vanish mid-request (ECONNRESET, EPIPE) only cost us the socket.
    socket.on('error', () => socket.destroy());
  });
  server.on('error', () => undefined);
  const port = await listen(server, options.port, options.host);
  return {
    host: options.host,
    port,
    openConnections: () => sockets.size,
    setFault: (next) => {
      fault = next;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

/**
 * Whether a JSON request is complete, could still be completed by more bytes, or is broken already (then it is
 * answered at once, as cgminer does after its single read). V8 reports a truncated text as an unexpected end of input
 * or an unterminated string, or names an error position at its very end.
 */
function jsonProgress(text: string): 'complete' | 'incomplete' | 'malformed' {
  try {
    JSON.parse(text);
    return 'complete';
  } catch (error) {
    const message = String(error);
    if (/end of JSON input|Unterminated string/i.test(message)) return 'incomplete';
    const position = /at position (\d+)/.exec(message);
    return position && Number(position[1]) >= text.length ? 'incomplete' : 'malformed';
  }
}
