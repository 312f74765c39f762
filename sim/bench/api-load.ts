/**
 * `npm run bench:api-load [-- --seconds N --rate R]`: the local API (the real handlers behind the local API Gateway
 * adapter, per-tenant throttling on, DynamoDB Local) at a steady open-loop rate (default 200 requests/s for 60 s) of a
 * customer mix: 40% GET /v1/workloads/{id}, 25% list, 25% POST /v1/workloads with a fresh Idempotency-Key, 10%
 * GET /v1/usage, over eight premium-plan tenants (25 req/s each, under the plan's 100/s, so nothing is throttled),
 * after a 5-second warm-up at the same rate. Reports requests sent, errors (any answer but the route's success
 * status, or no answer; exit code 1 if any, warm-up included), achieved rate, p50/p95/p99/max latency (also per
 * route), and its ratio to a bare node:http server measured in the same run at the same rate. Then the noisy neighbour: two premium tenants at a steady 50 req/s each, in alternating phases without
 * and with a third, standard-plan tenant listing at 200 req/s (10× its plan); their p99 both ways and the change
 * (target < 10%). Progress every 10 s; the last line is one JSON object.
 */
import '../local-env.js';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { z } from 'zod';
import { seededRng } from '../../core/support/random.js';
import { exitOnError, parseArgsOrExit } from '../cli/args.js';
import { startLocalApiServer } from '../local/api-routes.js';
import { closeServer, listen } from '../local/free-port.js';
import { latencySummary, openLoop, openLoops, type Sample } from './open-loop.js';
import { benchWorkloadRequest } from './workload-request.js';

const { values, verbose } = parseArgsOrExit({
  command: 'bench:api-load',
  usage:
    'npm run bench:api-load -- [--seconds N] [--rate R]\n\nThe local API at a steady open-loop rate, then the noisy neighbour.',
  flags: z.strictObject({
    seconds: z.coerce.number().positive().default(60),
    rate: z.coerce.number().positive().default(200),
  }),
  help: { seconds: 'length of the steady run', rate: ['R', 'requests per second'] },
});
const SECONDS = values.seconds;
const RATE_PER_S = values.rate;
const LOAD_TENANTS = 8;
/** Each noisy-neighbour phase; four of them alternate quiet and noisy so a drift in machine load hits both alike. */
const PHASE_S = Math.max(5, Math.round(SECONDS / 6));
const STEADY_RATE_PER_S = 50;
const BURST_RATE_PER_S = 200;
const WARMUP_S = 5;

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

interface Answer {
  readonly status: number;
  readonly body: string;
}

interface Request {
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** The route's success status. */
  readonly expect: number;
  readonly kind: string;
}

function send(base: string, request: Request): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${base}${request.path}`,
      {
        method: request.method,
        agent,
        headers: { ...request.headers, ...(request.body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.once('error', reject);
    req.end(request.body);
  });
}

const workloadBody = JSON.stringify(benchWorkloadRequest());
const period = new Date().toISOString().slice(0, 7);

interface Tenant {
  readonly tenantId: string;
  readonly apiKey: string;
  readonly workloadIds: string[];
}

type Kind = 'get' | 'list' | 'submit' | 'usage';

function request(tenant: Tenant, kind: Kind, pick: number): Request {
  const headers = { 'x-api-key': tenant.apiKey };
  switch (kind) {
    case 'get':
      return {
        method: 'GET',
        path: `/v1/workloads/${tenant.workloadIds[pick % tenant.workloadIds.length]}`,
        headers,
        expect: 200,
        kind: 'GET /v1/workloads/{id}',
      };
    case 'list':
      return { method: 'GET', path: '/v1/workloads?limit=20', headers, expect: 200, kind: 'GET /v1/workloads' };
    case 'submit':
      return {
        method: 'POST',
        path: '/v1/workloads',
        headers: { ...headers, 'idempotency-key': randomUUID() },
        body: workloadBody,
        expect: 201,
        kind: 'POST /v1/workloads',
      };
    case 'usage':
      return { method: 'GET', path: `/v1/usage?period=${period}`, headers, expect: 200, kind: 'GET /v1/usage' };
  }
}

/** The customer mix: 8 get, 5 list, 5 submit, 2 usage in 20. */
const MIX: readonly Kind[] = [
  ...Array<Kind>(8).fill('get'),
  ...Array<Kind>(5).fill('list'),
  ...Array<Kind>(5).fill('submit'),
  ...Array<Kind>(2).fill('usage'),
];

type Result = Sample<Answer & { readonly expected: number; readonly kind: string }>;
const isError = (s: Result) => s.status !== s.expected;

/** Sends request(i) through the schedule and tags each answer with the status it should have had. */
function loop(base: string, ratePerS: number, seconds: number, next: (i: number) => Request, label?: string) {
  return {
    ratePerS,
    durationMs: seconds * 1000,
    send: async (i: number) => {
      const r = next(i);
      return { ...(await send(base, r)), expected: r.expect, kind: r.kind };
    },
    ...(label
      ? {
          onProgress: (elapsedMs: number, sent: number, answered: readonly Result[]) =>
            console.log(
              `[${label} ${elapsedMs / 1000} s] sent ${sent}, answered ${answered.length}, errors ${answered.filter(isError).length}`,
            ),
        }
      : {}),
  };
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

async function main() {
  const server = await startLocalApiServer({ tableName: 'hcp-bench-load', rateLimit: true });
  const { api } = server;
  const bare = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
  });
  const bareUrl = `http://127.0.0.1:${await listen(bare, 0, '127.0.0.1')}`;

  async function tenant(tenantId: string, usagePlan: 'standard' | 'premium'): Promise<Tenant> {
    await api.runtime.tenants.create({
      tenantId,
      name: tenantId,
      usagePlan,
      createdAt: new Date().toISOString(),
      createdBy: 'bench',
    });
    const created: Tenant = { tenantId, apiKey: await api.issueApiKey(tenantId, 'customer-user'), workloadIds: [] };
    // A few workloads to read, and every route loaded once (a cold Lambda's first call is not the steady state).
    for (let i = 0; i < 5; i += 1) {
      const answer = await send(server.url, request(created, 'submit', 0));
      created.workloadIds.push(JSON.parse(answer.body).id);
    }
    for (const kind of MIX) await send(server.url, request(created, kind, 0));
    return created;
  }
  const load = await Promise.all(Array.from({ length: LOAD_TENANTS }, (_, i) => tenant(`load-${i + 1}`, 'premium')));
  const steady = [await tenant('steady-1', 'premium'), await tenant('steady-2', 'premium')];
  const noisy = await tenant('noisy', 'standard');

  // 1. The mix at RATE for SECONDS, after a warm-up at the same rate (JIT of the handlers and of DynamoDB Local);
  // tenants and kinds drawn from a seeded generator.
  const rng = seededRng(200);
  const mix = (i: number) =>
    request(load[Math.floor(rng.next() * LOAD_TENANTS)]!, MIX[Math.floor(rng.next() * MIX.length)]!, i);
  console.log(`warm-up: ${RATE_PER_S} req/s for ${WARMUP_S} s (not measured)`);
  const warmUpErrors = (await openLoop(loop(server.url, RATE_PER_S, WARMUP_S, mix))).filter(isError).length;
  console.log(`API load: ${RATE_PER_S} req/s for ${SECONDS} s over ${LOAD_TENANTS} premium tenants`);
  const startedMs = performance.now();
  const mixSamples = await openLoop(loop(server.url, RATE_PER_S, SECONDS, mix, 'load'));
  const wallS = (performance.now() - startedMs) / 1000;
  const errors = mixSamples.filter(isError);
  const summary = latencySummary(mixSamples);

  // 2. The floor: a bare node:http server, same client, same rate.
  const floorSeconds = Math.min(SECONDS, 20);
  console.log(`floor: bare node:http at ${RATE_PER_S} req/s for ${floorSeconds} s`);
  const floor = latencySummary(
    await openLoop(
      loop(bareUrl, RATE_PER_S, floorSeconds, () => ({ method: 'GET', path: '/', expect: 200, kind: 'bare' })),
    ),
  );

  // 3. Noisy neighbour: quiet, noisy, quiet, noisy.
  console.log(
    `noisy neighbour: 2 premium tenants at ${STEADY_RATE_PER_S} req/s each, ${PHASE_S} s phases, ` +
      `without and with a standard tenant listing at ${BURST_RATE_PER_S} req/s`,
  );
  const steadyLoop = (t: Tenant) =>
    loop(server.url, STEADY_RATE_PER_S, PHASE_S, (i) => request(t, MIX[i % MIX.length]!, i));
  const quietSamples: Result[] = [];
  const noisySamples: Result[] = [];
  const burstSamples: Result[] = [];
  for (const phase of ['quiet', 'noisy', 'quiet', 'noisy'] as const) {
    const loops: Record<string, ReturnType<typeof steadyLoop>> = {
      a: steadyLoop(steady[0]!),
      b: steadyLoop(steady[1]!),
    };
    if (phase === 'noisy') {
      loops.burst = loop(server.url, BURST_RATE_PER_S, PHASE_S, () => request(noisy, 'list', 0));
    }
    const { a, b, burst } = await openLoops(loops);
    (phase === 'quiet' ? quietSamples : noisySamples).push(...a!, ...b!);
    burstSamples.push(...(burst ?? []));
    console.log(`  ${phase} phase done`);
  }
  const quiet = latencySummary(quietSamples);
  const withBurst = latencySummary(noisySamples);
  const neighbourErrors = [...quietSamples, ...noisySamples].filter(isError);
  const throttled = burstSamples.filter((s) => s.status === 429).length;
  const p99ChangePct = round((withBurst.p99Ms / quiet.p99Ms - 1) * 100, 1);

  const byRoute = Object.fromEntries(
    [...new Set(mixSamples.map((s) => s.kind))].map((kind) => [
      kind,
      latencySummary(mixSamples.filter((s) => s.kind === kind)),
    ]),
  );
  const results = {
    sent: mixSamples.length,
    errors: errors.length,
    warmUpErrors,
    achievedRatePerS: round(mixSamples.length / wallS, 1),
    ...summary,
    floor,
    p50VsFloor: round(summary.p50Ms / floor.p50Ms),
    p99VsFloor: round(summary.p99Ms / floor.p99Ms),
    byRoute,
    noisyNeighbour: {
      p99WithoutMs: quiet.p99Ms,
      p99WithMs: withBurst.p99Ms,
      p99ChangePct,
      p50WithoutMs: quiet.p50Ms,
      p50WithMs: withBurst.p50Ms,
      neighbourErrors: neighbourErrors.length,
      burstSent: burstSamples.length,
      burstThrottled: throttled,
    },
  };
  console.log(
    [
      '',
      `requests sent ${results.sent}, errors ${results.errors}, achieved ${results.achievedRatePerS} req/s ` +
        `(target ${RATE_PER_S}, ${SECONDS} s; wall ${round(wallS, 1)} s until the last answer; ` +
        `${warmUpErrors} errors in the warm-up)`,
      `latency p50 ${summary.p50Ms} ms, p95 ${summary.p95Ms} ms, p99 ${summary.p99Ms} ms, max ${summary.maxMs} ms`,
      ...Object.entries(byRoute).map(
        ([kind, r]) => `  ${kind}: ${r.count} requests, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms`,
      ),
      `floor (bare node:http) p50 ${floor.p50Ms} ms, p95 ${floor.p95Ms} ms, p99 ${floor.p99Ms} ms: ` +
        `API/floor ${results.p50VsFloor}× at p50, ${results.p99VsFloor}× at p99`,
      `noisy neighbour: p99 ${quiet.p99Ms} ms without, ${withBurst.p99Ms} ms with the burster ` +
        `(${p99ChangePct >= 0 ? '+' : ''}${p99ChangePct}%, target < 10%); p50 ${quiet.p50Ms} → ${withBurst.p50Ms} ms; ` +
        `burster ${throttled} of ${burstSamples.length} throttled; neighbours' errors ${neighbourErrors.length}`,
    ].join('\n'),
  );
  for (const e of [...errors, ...neighbourErrors].slice(0, 5)) {
    console.log(`  error: status ${e.status} (wanted ${e.expected}) ${e.error ?? e.body.slice(0, 200)}`);
  }
  console.log(JSON.stringify({ bench: 'api-load', ratePerS: RATE_PER_S, seconds: SECONDS, results }));

  agent.destroy();
  await closeServer(bare);
  await server.stop();
  if (warmUpErrors + errors.length + neighbourErrors.length > 0) process.exitCode = 1;
}

main().catch(exitOnError('bench:api-load', verbose));
