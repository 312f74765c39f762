import net from 'node:net';
import { closeServer, listen } from '../../local/free-port.js';

export interface RequestServerOptions {
  readonly host: string;
  /** 0 for any free port. */
  readonly port: number;
  /** A request still incomplete after this long is answered as malformed and the connection closed. */
  readonly idleTimeoutMs?: number;
  /** Only this much of a request is read and answered, as cgminer's single fixed-size read. @default 4095 */
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

/**
 * cgminer's api.c (ckolivas/cgminer, `api_thread`) reads each request with one `recv(c, buf, TMPBUFSIZ / 2 - 1, 0)`,
 * TMPBUFSIZ being 8192 ("accept only half the TMPBUFSIZ to account for space potentially used by escaping chars"), and
 * parses only what that read returned: a longer request is cut at 4095 bytes, so a long JSON command, valid or not, is
 * answered "Invalid JSON" (code 23) and a long text command is read as the command its first bytes spell; the rest is
 * never read and the connection is closed after the reply. LuxOS publishes no limit of its own; its API keeps cgminer's
 * envelope and codes.
 */
const CGMINER_REQUEST_READ_BYTES = 8192 / 2 - 1;
const DEFAULTS = { idleTimeoutMs: 5000, maxRequestBytes: CGMINER_REQUEST_READ_BYTES };

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
      if (Buffer.byteLength(buffer) > maxRequestBytes) {
        return reply(Buffer.from(buffer).subarray(0, maxRequestBytes).toString('utf8'));
      }
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
