import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import {
  AGENT_ROUTES,
  type LoadReplica,
  loadReplicaSchema,
  type ReplicaKey,
  type ReplicaState,
  type ReplicaView,
  replicaKeySchema,
} from '../../../core/serving/node-agent.js';
import type { Clock } from '../../../core/support/clock.js';
import type { EngineLauncher, EngineProcess } from './engine-process.js';
import { vllmServeCommand, WEIGHTS_LOADED_LINE } from './vllm-command.js';

export interface NodeAgentOptions {
  readonly gpuCount: number;
  readonly launch: EngineLauncher;
  readonly clock: Clock;
  readonly host: string;
  readonly port: number;
  /** Engines listen on loopback from this port up, one each. @default 8100 */
  readonly firstEnginePort?: number;
  /** How often a starting engine's `/health` is polled. @default 1000 */
  readonly healthPollMs?: number;
}

export interface RunningNodeAgent {
  readonly port: number;
  replicas(): ReplicaView[];
  close(): Promise<void>;
}

interface Replica {
  readonly load: LoadReplica;
  readonly gpuIndexes: readonly number[];
  readonly enginePort: number;
  readonly process: EngineProcess;
  readonly startedAtMs: number;
  state: ReplicaState;
  readyAtMs: number;
  inFlight: number;
}

const MAX_BODY_BYTES = 1 << 20;
const PROXIED = new Set(['/v1/completions', '/v1/chat/completions']);

/**
 * The node agent on a real GPU node (core/serving/node-agent.ts): one vLLM process per model version, started on
 * free GPUs and stopped on drain or unload, because vLLM cannot load another base model into a running server. The
 * agent is also the node's OpenAI endpoint: it forwards each completion to the ready, not draining, engine of the
 * requested model (the newest version first) and counts what is in flight, so a draining engine stops once its
 * last request is answered. A client that hangs up aborts the forwarded request, as vLLM aborts on disconnect.
 */
export async function startNodeAgent(options: NodeAgentOptions): Promise<RunningNodeAgent> {
  const replicas: Replica[] = [];
  const firstEnginePort = options.firstEnginePort ?? 8100;
  const key = (r: ReplicaKey) => `${r.modelId}@${r.version}`;
  const find = (r: ReplicaKey) => replicas.find((x) => key(x.load) === key(r));
  const view = (r: Replica): ReplicaView => ({
    modelId: r.load.modelId,
    version: r.load.version,
    state: r.state,
    gpuIndexes: [...r.gpuIndexes],
    startedAtMs: r.startedAtMs,
    readyAtMs: r.readyAtMs,
    runningRequests: r.inFlight,
    waitingRequests: 0,
  });

  function start(load: LoadReplica): { ok: true; replica: Replica } | { ok: false; status: number; message: string } {
    if (find(load)) return { ok: false, status: 409, message: `${key(load)} is loaded` };
    const used = new Set(replicas.flatMap((r) => r.gpuIndexes));
    const free = [...Array(options.gpuCount).keys()].filter((g) => !used.has(g));
    if (free.length < load.tensorParallelSize) {
      return { ok: false, status: 409, message: `${free.length} GPU(s) free, ${load.tensorParallelSize} needed` };
    }
    const ports = new Set(replicas.map((r) => r.enginePort));
    let enginePort = firstEnginePort;
    while (ports.has(enginePort)) enginePort++;
    const gpuIndexes = free.slice(0, load.tensorParallelSize);
    const process = options.launch(vllmServeCommand(load, enginePort, gpuIndexes));
    const startedAtMs = options.clock.nowMs();
    const replica: Replica = {
      load,
      gpuIndexes,
      enginePort,
      process,
      startedAtMs,
      state: 'loading',
      readyAtMs: startedAtMs + load.warmupSeconds * 1000,
      inFlight: 0,
    };
    replicas.push(replica);
    process.onLine((line) => {
      if (replica.state === 'loading' && WEIGHTS_LOADED_LINE.test(line)) replica.state = 'warming';
    });
    void process.exited.then(() => {
      const at = replicas.indexOf(replica);
      if (at >= 0) replicas.splice(at, 1);
    });
    void pollHealth(replica);
    return { ok: true, replica };
  }

  async function pollHealth(replica: Replica): Promise<void> {
    while (replicas.includes(replica) && (replica.state === 'loading' || replica.state === 'warming')) {
      try {
        const response = await fetch(`http://127.0.0.1:${replica.enginePort}/health`, {
          signal: AbortSignal.timeout(2000),
        });
        // A drain may have come while the request was out.
        if (response.ok && stateOf(replica) !== 'draining') {
          replica.state = 'ready';
          replica.readyAtMs = options.clock.nowMs();
          return;
        }
      } catch {
        // Not listening yet: vLLM opens its port only once the engine is up.
      }
      await new Promise((resolve) => setTimeout(resolve, options.healthPollMs ?? 1000));
    }
  }

  function drain(replica: Replica): void {
    replica.state = 'draining';
    if (replica.inFlight === 0) replica.process.stop();
  }

  async function forward(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) return sendError(res, 413, 'body_too_large', 'request body over 1 MiB');
    let model: unknown;
    try {
      model = (JSON.parse(body.toString('utf8')) as { model?: unknown }).model;
    } catch {
      return sendError(res, 400, 'invalid_json', 'request body is not valid JSON');
    }
    const target = replicas
      .filter((r) => r.load.modelId === model && r.state === 'ready')
      .sort((a, b) => b.startedAtMs - a.startedAtMs)[0];
    if (!target) return sendError(res, 404, 'model_not_loaded', `model '${String(model)}' is not ready on this node`);
    target.inFlight++;
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    try {
      const upstream = await fetch(`http://127.0.0.1:${target.enginePort}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: abort.signal,
      });
      const text = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    } catch (error) {
      if (!res.writableEnded && !abort.signal.aborted) sendError(res, 502, 'engine_unreachable', String(error));
    } finally {
      target.inFlight--;
      if (target.state === 'draining' && target.inFlight === 0) target.process.stop();
    }
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://agent').pathname;
    if (req.method === 'POST' && PROXIED.has(path)) return forward(req, res, path);
    if (req.method === 'GET' && path === '/v1/models') {
      const ready = replicas.filter((r) => r.state === 'ready').map((r) => r.load.modelId);
      return sendJson(res, 200, { object: 'list', data: [...new Set(ready)].map((id) => ({ id, object: 'model' })) });
    }
    if (req.method === 'GET' && path === AGENT_ROUTES.replicas) {
      return sendJson(res, 200, { replicas: replicas.map(view) });
    }
    if (req.method === 'POST' && path === AGENT_ROUTES.load) {
      const load = await readJson(req, loadReplicaSchema);
      if (!load.ok) return sendError(res, 400, 'invalid_field', load.message);
      const started = start(load.value);
      return started.ok
        ? sendJson(res, 202, view(started.replica))
        : sendError(res, started.status, 'gpus_unavailable', started.message);
    }
    if (req.method === 'POST' && (path === AGENT_ROUTES.drain || path === AGENT_ROUTES.unload)) {
      const body = await readJson(req, replicaKeySchema);
      if (!body.ok) return sendError(res, 400, 'invalid_field', body.message);
      const replica = find(body.value);
      if (!replica) return sendError(res, 404, 'model_not_loaded', `${key(body.value)} is not loaded`);
      if (path === AGENT_ROUTES.drain) drain(replica);
      else replica.process.stop();
      return sendJson(res, 200, body.value);
    }
    return sendError(res, 404, 'not_found', `no route ${req.method} ${path}`);
  }

  const server = http.createServer((req, res) => {
    void route(req, res).catch((error: unknown) => sendError(res, 500, 'internal_error', String(error)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    replicas: () => replicas.map(view),
    close: async () => {
      for (const r of [...replicas]) r.process.stop();
      await Promise.all(replicas.map((r) => r.process.exited));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const stateOf = (replica: Replica): ReplicaState => replica.state;

async function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A validated JSON body, or the first broken field named. */
async function readJson<S extends z.ZodType>(
  req: http.IncomingMessage,
  schema: S,
): Promise<{ ok: true; value: z.infer<S> } | { ok: false; message: string }> {
  const body = await readBody(req);
  if (body === undefined) return { ok: false, message: 'request body over 1 MiB' };
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, message: 'request body is not valid JSON' };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, message: `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { message, type: 'invalid_request_error', param: null, code } });
}
