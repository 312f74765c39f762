import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isReservedAddress } from '../../../core/webhooks/addresses.js';
import { pinnedHttp, type ResolveAll } from '../../../functions/routing/webhooks/pinned-http.js';

/**
 * The webhook sender over real HTTP with a resolver stub (#23 item 3). 127.0.0.2 stands in for a public address (the
 * receiver listens there); every other loopback address stays reserved.
 */
const PUBLIC_STAND_IN = '127.0.0.2';
const isReserved = (address: string) => address !== PUBLIC_STAND_IN && isReservedAddress(address);

interface Receiver {
  readonly server: Server;
  readonly port: number;
  hits: number;
}

async function receiver(host: string, port = 0): Promise<Receiver> {
  const r = { hits: 0 } as Receiver;
  const server = createServer((_request, response) => {
    r.hits += 1;
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return Object.assign(r, { server, port: (server.address() as AddressInfo).port });
}

/** Answers each call with the next of `answers` (the last one repeats), counting the calls. */
function resolverStub(...answers: string[][]): ResolveAll & { calls: number } {
  const stub = Object.assign(
    async (_hostname: string) => {
      const answer = answers[Math.min(stub.calls, answers.length - 1)] ?? [];
      stub.calls += 1;
      return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
    { calls: 0 },
  );
  return stub;
}

const post = (http: ReturnType<typeof pinnedHttp>, url: string) => http.post(url, '{}', {}, 2000);

let publicReceiver: Receiver;
let internalReceiver: Receiver;

beforeAll(async () => {
  publicReceiver = await receiver(PUBLIC_STAND_IN);
  // The same port on 127.0.0.1: where a second, rebinding resolution would send the request.
  internalReceiver = await receiver('127.0.0.1', publicReceiver.port);
});

afterAll(async () => {
  await new Promise((resolve) => publicReceiver?.server.close(resolve));
  await new Promise((resolve) => internalReceiver?.server.close(resolve));
});

beforeEach(() => {
  publicReceiver.hits = 0;
  internalReceiver.hits = 0;
});

describe('webhook delivery resolves once, refuses reserved addresses and connects to the address it checked', () => {
  it('refuses a public-looking name that resolves to a private address, before connecting', async () => {
    // Prepare: before #23 the URL text was the only check, and this name passed it.
    const resolve = resolverStub(['127.0.0.1']);
    const http = pinnedHttp({ resolve, isReserved });

    // Act
    const result = await post(http, `http://hooks.example.com:${publicReceiver.port}/x`);

    // Assess
    expect(result).toEqual({ kind: 'network-error', message: 'EADDRNOTALLOWED' });
    expect(internalReceiver.hits).toBe(0);
  });

  it.each([
    ['the metadata service', ['169.254.169.254']],
    ['a private IPv4', ['10.0.0.5']],
    ['IPv6 loopback', ['::1']],
    ['an IPv4-mapped metadata address', ['::ffff:169.254.169.254']],
    ['one public and one private answer', [PUBLIC_STAND_IN, '10.0.0.5']],
  ])('refuses a name resolving to %s', async (_label, addresses) => {
    const result = await post(
      pinnedHttp({ resolve: resolverStub(addresses), isReserved }),
      'http://hooks.example.com/x',
    );
    expect(result).toEqual({ kind: 'network-error', message: 'EADDRNOTALLOWED' });
  });

  it('connects to the checked address: a rebinding resolver’s second answer is never asked', async () => {
    // Prepare: the first answer is "public", any later one internal.
    const resolve = resolverStub([PUBLIC_STAND_IN], ['127.0.0.1']);
    const http = pinnedHttp({ resolve, isReserved });

    // Act
    const result = await post(http, `http://rebind.example.com:${publicReceiver.port}/x`);

    // Assess
    expect(result).toEqual({ kind: 'response', statusCode: 204 });
    expect(resolve.calls).toBe(1);
    expect(publicReceiver.hits).toBe(1);
    expect(internalReceiver.hits).toBe(0);
  });

  it('refuses a reserved literal address in the URL without resolving', async () => {
    const resolve = resolverStub([PUBLIC_STAND_IN]);
    const http = pinnedHttp({ resolve, isReserved });
    for (const url of ['http://169.254.169.254/latest', 'http://[::ffff:a9fe:a9fe]/', 'http://[::1]:9/']) {
      expect(await post(http, url)).toEqual({ kind: 'network-error', message: 'EADDRNOTALLOWED' });
    }
    expect(resolve.calls).toBe(0);
  });

  it('delivers to the local platform’s own receivers only when told to, and only by their local names', async () => {
    const url = `http://127.0.0.1:${internalReceiver.port}/x`;
    expect(await post(pinnedHttp({ allowLocalHosts: true }), url)).toEqual({ kind: 'response', statusCode: 204 });
    expect(await post(pinnedHttp(), url)).toEqual({ kind: 'network-error', message: 'EADDRNOTALLOWED' });
    const named = pinnedHttp({ allowLocalHosts: true, resolve: resolverStub(['127.0.0.1']) });
    expect(await post(named, `http://hooks.example.com:${internalReceiver.port}/x`)).toEqual({
      kind: 'network-error',
      message: 'EADDRNOTALLOWED',
    });
    expect(internalReceiver.hits).toBe(1);
  });
});
