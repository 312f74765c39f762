import type { HttpPort, HttpPostResult } from './deliver.js';

/**
 * HttpPort over the runtime's fetch (Node 20+). Redirects are not followed: a 3xx is an answer (the receiver moved,
 * its owner updates the URL), and following one could lead the request to a host the URL rules refused.
 */
export const fetchHttp: HttpPort = {
  async post(url, body, headers, timeoutMs): Promise<HttpPostResult> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      // The answer's body is not needed; cancelling it frees the connection.
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'response', statusCode: response.status };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'timeout' };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { kind: 'network-error', message: cause?.code ?? cause?.message ?? (error as Error).message };
    }
  },
};
