import { lookup as dnsLookup } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isReservedAddress } from '../../../core/webhooks/addresses.js';
import { LOCAL_HOSTS } from '../../../core/webhooks/config.js';
import type { HttpPort, HttpPostResult } from './deliver.js';

/** A resolver: every address of a host name (node:dns `lookup` with `all: true` in production). */
export type ResolveAll = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

const systemResolve: ResolveAll = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/** Refused before any connection: the name resolves to an address webhooks may not reach. */
export class ReservedAddressError extends Error {
  override readonly name = 'ReservedAddressError';
  readonly code = 'EADDRNOTALLOWED';
}

export interface PinnedHttpOptions {
  /** @default node:dns lookup, every address */
  readonly resolve?: ResolveAll;
  /** Which addresses are refused. @default isReservedAddress (tests stand a loopback address in for a public one) */
  readonly isReserved?: (address: string) => boolean;
  /** The local platform's receivers on http(s)://localhost, 127.0.0.1 and [::1] (WEBHOOK_ALLOW_LOCAL_URLS). @default false */
  readonly allowLocalHosts?: boolean;
}

/**
 * The socket's `lookup`: resolves the name once, refuses it if ANY address is reserved (a name answering one public
 * and one private address would otherwise win a race), and hands the socket the address it checked, so the
 * connection goes where the check looked: there is no second resolution for a rebinding DNS server to answer.
 */
function checkedLookup(resolveAll: ResolveAll, isReserved: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolveAll(hostname)
      .then((addresses) => {
        const chosen = addresses[0];
        if (!chosen) throw Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
        if (addresses.some((a) => isReserved(a.address))) {
          throw new ReservedAddressError(`${hostname} resolves to a reserved address`);
        }
        if (options.all) callback(null, [chosen]);
        else callback(null, chosen.address, chosen.family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, '', 0));
  };
}

/**
 * HttpPort over node:http(s) with a checked `lookup`. Redirects are not followed: a 3xx is an answer (the receiver
 * moved, its owner updates the URL), and following one could lead the request to a host the URL rules refused. A
 * literal IP in the URL is checked too (Node calls no lookup for it, so it is checked here).
 */
export function pinnedHttp(options: PinnedHttpOptions = {}): HttpPort {
  const resolveAll = options.resolve ?? systemResolve;
  const reserved = options.isReserved ?? isReservedAddress;
  return {
    post(url, body, headers, timeoutMs): Promise<HttpPostResult> {
      return new Promise((resolve) => {
        let target: URL;
        try {
          target = new URL(url);
        } catch {
          resolve({ kind: 'network-error', message: 'EINVALIDURL' });
          return;
        }
        const host = target.hostname.replace(/^\[|\]$/g, '');
        const allowLocal = (options.allowLocalHosts ?? false) && LOCAL_HOSTS.has(target.hostname);
        const isReserved = allowLocal ? () => false : reserved;
        if (/^[\d.]+$|:/.test(host) && isReserved(host)) {
          resolve({ kind: 'network-error', message: new ReservedAddressError().code });
          return;
        }
        const client = target.protocol === 'https:' ? https : http;
        const request = client.request(target, {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          lookup: checkedLookup(resolveAll, isReserved),
          timeout: timeoutMs,
          agent: false,
        });
        const timer = setTimeout(
          () => request.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })),
          timeoutMs,
        );
        request.once('response', (response) => {
          clearTimeout(timer);
          // The answer's body is not needed; dropping it frees the socket.
          response.resume();
          resolve({ kind: 'response', statusCode: response.statusCode ?? 0 });
        });
        request.once('timeout', () => request.destroy(Object.assign(new Error('timeout'), { name: 'TimeoutError' })));
        request.once('error', (error: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          if (error.name === 'TimeoutError') resolve({ kind: 'timeout' });
          else resolve({ kind: 'network-error', message: error.code ?? error.message });
        });
        request.end(body);
      });
    },
  };
}
