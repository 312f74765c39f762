import net from 'node:net';

/**
 * The cgminer API transport (also LuxOS and Braiins OS's cgminer-compatible port): one JSON request per TCP
 * connection, the reply ends with a NUL byte and the miner closes the connection (cgminer API-README). Every failure
 * is a value the caller must handle; nothing throws.
 */

export interface MinerAddress {
  readonly address: string;
  /** @default 4028 */
  readonly port?: number;
}

export type CgminerFailure =
  | { readonly kind: 'timeout'; readonly detail: string }
  | { readonly kind: 'connection'; readonly detail: string }
  | { readonly kind: 'closed-without-reply'; readonly detail: string }
  /** Bytes arrived but the connection closed before the terminating NUL: a cut reply. */
  | { readonly kind: 'partial-reply'; readonly detail: string }
  /** A complete reply that is not a cgminer JSON object. */
  | { readonly kind: 'garbage-reply'; readonly detail: string }
  /** A well-formed reply whose STATUS is `E` (or missing): the miner refused the request. */
  | { readonly kind: 'device-error'; readonly detail: string; readonly code?: number };

export type CgminerResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: CgminerFailure };

export interface CgminerStatus {
  readonly STATUS: string;
  readonly Code?: number;
  readonly Msg?: string;
}

export type CgminerReply = Record<string, unknown> & { readonly STATUS: readonly CgminerStatus[] };

export interface CgminerRequestOptions {
  /** Whole request budget: connect, write, read to the NUL. @default 2000 */
  readonly timeoutMs?: number;
  /** cgminer replies are small; a runaway peer is cut off. @default 1 MiB */
  readonly maxReplyBytes?: number;
}

export const CGMINER_PORT = 4028;
const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_MAX_REPLY_BYTES = 1 << 20;
const DETAIL_CHARS = 120;

/**
 * Sends one request and returns the raw reply text without its NUL. A request serialised ahead (a `Buffer`: a prepared
 * switch) is written as it is.
 */
export function requestRaw(
  miner: MinerAddress,
  request: object | Buffer,
  options: CgminerRequestOptions = {},
): Promise<CgminerResult<string>> {
  const body = Buffer.isBuffer(request) ? request : JSON.stringify(request);
  const maxReplyBytes = options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (result: CgminerResult<string>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = net.connect({ host: miner.address, port: miner.port ?? CGMINER_PORT });
    // No setNoDelay: one small write per connection, with nothing unacknowledged before it, is never held by Nagle,
    // and the call is a system call per miner on the switch's path.
    const timer = setTimeout(
      () => settle({ ok: false, failure: { kind: 'timeout', detail: `no complete reply to ${body}` } }),
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    socket.once('connect', () => socket.write(body));
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      // The NUL ends the reply: no need to wait for the close.
      if (chunk.includes(0)) {
        const text = Buffer.concat(chunks).toString('utf8');
        settle({ ok: true, value: text.slice(0, text.indexOf('\0')) });
      } else if (received > maxReplyBytes) {
        settle({ ok: false, failure: { kind: 'garbage-reply', detail: `reply over ${maxReplyBytes} bytes` } });
      }
    });
    socket.on('error', (error) => settle({ ok: false, failure: { kind: 'connection', detail: error.message } }));
    socket.on('close', () => {
      // Closing our own socket after the NUL lands here too: nothing left to decide.
      if (settled) return;
      if (received === 0) {
        settle({ ok: false, failure: { kind: 'closed-without-reply', detail: body.toString() } });
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      // Some firmwares close without the NUL: a complete JSON document is still a reply.
      if (isJson(text)) settle({ ok: true, value: text });
      else settle({ ok: false, failure: { kind: 'partial-reply', detail: text.slice(0, DETAIL_CHARS) } });
    });
  });
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Parses a reply and checks its STATUS; `E`, `F` or a missing STATUS become failures. */
export function parseReply(text: string): CgminerResult<CgminerReply> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, failure: { kind: 'garbage-reply', detail: text.slice(0, DETAIL_CHARS) } };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, failure: { kind: 'garbage-reply', detail: text.slice(0, DETAIL_CHARS) } };
  }
  const status = (parsed as { STATUS?: unknown }).STATUS;
  const first = Array.isArray(status) ? (status[0] as Partial<CgminerStatus> | undefined) : undefined;
  if (!first || typeof first.STATUS !== 'string') {
    // Multi-command replies (`summary+power`) carry STATUS inside each section.
    return { ok: true, value: parsed as CgminerReply };
  }
  // Only the success codes are documented for LuxOS: trust STATUS and Msg, never an error code.
  if (first.STATUS === 'E' || first.STATUS === 'F') {
    return {
      ok: false,
      failure: { kind: 'device-error', detail: String(first.Msg ?? 'error'), code: first.Code },
    };
  }
  return { ok: true, value: parsed as CgminerReply };
}

/** One request, parsed and status-checked. */
export function request(
  miner: MinerAddress,
  command: string,
  parameter?: string,
  options?: CgminerRequestOptions,
): Promise<CgminerResult<CgminerReply>> {
  return requestSerialised(miner, serialise(command, parameter), options);
}

/** A request's bytes, built once and sent as often as needed (`requestSerialised`). */
export function serialise(command: string, parameter?: string): Buffer {
  return Buffer.from(JSON.stringify(parameter === undefined ? { command } : { command, parameter }));
}

/** One request serialised ahead, parsed and status-checked. */
export async function requestSerialised(
  miner: MinerAddress,
  body: Buffer,
  options?: CgminerRequestOptions,
): Promise<CgminerResult<CgminerReply>> {
  const raw = await requestRaw(miner, body, options);
  return raw.ok ? parseReply(raw.value) : raw;
}

/** The first record of a reply section (`POWER[0]`), if it is an object. */
export function section(reply: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const list = reply[name];
  const first = Array.isArray(list) ? list[0] : undefined;
  return typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : undefined;
}

/** A section of a multi-command reply: `{ "summary": [reply], ... }`. */
export function subReply(reply: Record<string, unknown>, command: string): CgminerResult<CgminerReply> {
  const list = reply[command];
  const first = Array.isArray(list) ? list[0] : undefined;
  if (typeof first !== 'object' || first === null) {
    return { ok: false, failure: { kind: 'garbage-reply', detail: `no '${command}' section` } };
  }
  return parseReply(JSON.stringify(first));
}
