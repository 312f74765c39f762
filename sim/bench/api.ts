/**
 * `npm run bench:api`: the real API handlers behind the local API Gateway adapter, against DynamoDB Local, over
 * loopback HTTP with keep-alive. For each route: latency p50/p99 at a steady request rate (open loop, one request
 * every 1000/RATE ms, so a slow response does not slow the schedule), then throughput (requests/s) with CONCURRENCY
 * callers in a closed loop. The floors measured in the same run: a bare node:http handler answering JSON, and
 * GET /v1/health through the adapter (routing and event building, no authorizer, no table). The last line printed is
 * one JSON object.
 */
import '../local-env.js';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { z } from 'zod';
import { exitOnError, parseArgsOrExit } from '../cli/args.js';
import { startLocalApiServer } from '../local/api-routes.js';
import { closeServer, listen } from '../local/free-port.js';
import { benchWorkloadRequest } from './workload-request.js';

const { values, verbose } = parseArgsOrExit({
  command: 'bench:api',
  usage: 'npm run bench:api -- [--rate N]\n\nEach API route: latency at a steady rate, then closed-loop throughput.',
  flags: z.strictObject({
    /**
     * Below the capacity of one tenant's audit chain for POSTs (appends to one chain are serialized; ~80/s against
     * DynamoDB Local on this machine): above it an open-loop schedule only measures the queue.
     */
    rate: z.coerce.number().positive().default(40),
  }),
  help: { rate: 'requests per second of the latency runs' },
});
const RATE_PER_S = values.rate;
const LATENCY_SAMPLES = 400;
const WARMUP = 50;
const CONCURRENCY = 16;
const THROUGHPUT_MS = 3000;

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

interface Request {
  readonly method: string;
  readonly path: string;
  /** A function gives each request its own headers (a fresh Idempotency-Key). */
  readonly headers?: Record<string, string> | (() => Record<string, string>);
  readonly body?: () => string;
}

function send(base: string, request: Request): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = request.body?.();
    const req = http.request(
      `${base}${request.path}`,
      {
        method: request.method,
        agent,
        headers: {
          ...(typeof request.headers === 'function' ? request.headers() : request.headers),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function latency(base: string, request: Request, expected: number) {
  for (let i = 0; i < WARMUP; i += 1) await send(base, request);
  const samples: Promise<number>[] = [];
  const intervalMs = 1000 / RATE_PER_S;
  const startMs = performance.now();
  for (let i = 0; i < LATENCY_SAMPLES; i += 1) {
    const dueMs = startMs + i * intervalMs;
    const waitMs = dueMs - performance.now();
    if (waitMs > 0) await sleep(waitMs);
    const sentMs = performance.now();
    samples.push(
      send(base, request).then((status) => {
        if (status !== expected) throw new Error(`${request.method} ${request.path}: ${status}, wanted ${expected}`);
        return performance.now() - sentMs;
      }),
    );
  }
  const sorted = (await Promise.all(samples)).sort((a, b) => a - b);
  return { p50Ms: round(quantile(sorted, 0.5)), p99Ms: round(quantile(sorted, 0.99)) };
}

async function throughput(base: string, request: Request) {
  let done = 0;
  const endMs = performance.now() + THROUGHPUT_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < endMs) {
        await send(base, request);
        done += 1;
      }
    }),
  );
  return { requestsPerS: Math.round(done / (THROUGHPUT_MS / 1000)) };
}

async function main() {
  const server = await startLocalApiServer({ tableName: 'hcp-bench' });
  const { api } = server;
  const bare = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
  });
  const barePort = await listen(bare, 0, '127.0.0.1');
  const { apiKey } = await api.seedDemoTenant();
  const auth = { 'x-api-key': apiKey };
  const workload = JSON.stringify(benchWorkloadRequest());
  // A fresh Idempotency-Key per request: every POST creates a workload (and appends to the tenant's audit chain).
  const freshSubmit: Request = {
    method: 'POST',
    path: '/v1/workloads',
    headers: () => ({ ...auth, 'idempotency-key': randomUUID() }),
    body: () => workload,
  };
  for (let i = 0; i < 50; i += 1) await send(server.url, freshSubmit);
  const created = await new Promise<string>((resolve, reject) => {
    const req = http.request(`${server.url}/v1/workloads?limit=1`, { headers: auth, agent }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c)).on('end', () => resolve(JSON.parse(text).items[0].id));
    });
    req.once('error', reject).end();
  });

  const cases: [string, string, Request, number][] = [
    ['floor: bare node:http', `http://127.0.0.1:${barePort}`, { method: 'GET', path: '/' }, 200],
    ['GET /v1/health (adapter, no auth, no table)', server.url, { method: 'GET', path: '/v1/health' }, 200],
    ['GET /v1/workloads/{id}', server.url, { method: 'GET', path: `/v1/workloads/${created}`, headers: auth }, 200],
    ['GET /v1/workloads?limit=20', server.url, { method: 'GET', path: '/v1/workloads?limit=20', headers: auth }, 200],
    ['POST /v1/workloads (new key each)', server.url, freshSubmit, 201],
    [
      'POST /v1/workloads (repeat of one key)',
      server.url,
      { ...freshSubmit, headers: { ...auth, 'idempotency-key': 'bench-repeat' } },
      201,
    ],
  ];
  const results: Record<
    string,
    { p50Ms: number; p99Ms: number; requestsPerS: number; p50VsFloor?: number; p50VsHealth?: number }
  > = {};
  for (const [name, base, request, expected] of cases) {
    const lat = await latency(base, request, expected);
    const tput = await throughput(base, request);
    results[name] = { ...lat, ...tput };
  }
  const floor = results['floor: bare node:http']!;
  const health = results['GET /v1/health (adapter, no auth, no table)']!;
  for (const result of Object.values(results)) {
    result.p50VsFloor = round(result.p50Ms / floor.p50Ms);
    result.p50VsHealth = round(result.p50Ms / health.p50Ms);
  }
  console.log(
    `API through the local adapter, DynamoDB Local; ${LATENCY_SAMPLES} requests at ${RATE_PER_S}/s, then ${CONCURRENCY} concurrent for ${THROUGHPUT_MS} ms`,
  );
  console.table(results);
  console.log(JSON.stringify({ bench: 'api', ratePerS: RATE_PER_S, concurrency: CONCURRENCY, results }));

  agent.destroy();
  await closeServer(bare);
  await server.stop();
}

main().catch(exitOnError('bench:api', verbose));
