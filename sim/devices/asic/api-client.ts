import net from 'node:net';

export type ApiCallResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly error: 'timeout' | 'connection' | 'closed-without-reply'; readonly detail: string };

export interface ApiCallOptions {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs?: number;
}

/**
 * One request on one connection, as cgminer expects: write the request, read until the server closes, strip the
 * trailing NUL. Used by tests and the bench; failures are values, never throws.
 */
export function callMinerApi(options: ApiCallOptions, request: string | object): Promise<ApiCallResult> {
  const body = typeof request === 'string' ? request : JSON.stringify(request);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const settle = (result: ApiCallResult) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    const socket = net.connect({ host: options.host, port: options.port }, () => socket.write(body));
    socket.setTimeout(options.timeoutMs ?? 5000, () => settle({ ok: false, error: 'timeout', detail: body }));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => settle({ ok: false, error: 'connection', detail: error.message }));
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text === '') settle({ ok: false, error: 'closed-without-reply', detail: body });
      else settle({ ok: true, text: text.replace(/\0$/, '') });
    });
  });
}

/** The parsed JSON reply of a request, or a failure value. */
export async function callMinerJson(
  options: ApiCallOptions,
  request: object,
): Promise<{ ok: true; reply: Record<string, unknown> } | { ok: false; error: string; detail: string }> {
  const result = await callMinerApi(options, request);
  if (!result.ok) return result;
  try {
    return { ok: true, reply: JSON.parse(result.text) as Record<string, unknown> };
  } catch {
    return { ok: false, error: 'invalid-json-reply', detail: result.text.slice(0, 200) };
  }
}
