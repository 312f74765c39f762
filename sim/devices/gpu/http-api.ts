import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { AGENT_ROUTES, loadReplicaSchema, replicaKeySchema } from '../../../core/serving/node-agent.js';
import { dcgmMetricsText } from './dcgm-metrics.js';
import type { GpuNode, NodeError } from './gpu-node.js';
import { DEFAULT_QUERY_FIELDS, powerLimitSetText, queryGpuCsv } from './nvidia-smi.js';

export interface GpuNodeServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface GpuNodeServerOptions {
  readonly host: string;
  readonly port: number;
  /** Real-clock hosts tick the node on a timer so `/v1/completions` replies when its job is done; 0 for none. */
  readonly autoTickMs?: number;
}

const jobSchema = z.strictObject({
  id: z.string().min(1).max(128),
  modelId: z.string().min(1).max(128),
  inputTokens: z.number().int().min(0).max(1_000_000),
  outputTokens: z.number().int().min(1).max(1_000_000),
  priority: z.number().int().min(-1000).max(1000).optional(),
});

const loadSchema = z.strictObject({
  model: z.string().min(1).max(128),
  tensor_parallel_size: z.number().int().min(1).max(64).optional(),
  gpus: z.array(z.number().int().min(0)).min(1).max(64).optional(),
});

const faultSchema = z.strictObject({
  gpu: z.number().int().min(0).max(63),
  eccSingleBitErrors: z.number().int().min(0).max(1_000_000).optional(),
  eccDoubleBitErrors: z.number().int().min(0).max(1_000_000).optional(),
  xid: z.number().int().min(1).max(1000).optional(),
  extraTemperatureC: z.number().min(-50).max(100).optional(),
});

/** OpenAI's completions request: clients send more fields (temperature, stop…), which a simulator may ignore. */
const completionSchema = z.object({
  model: z.string().min(1).max(128),
  prompt: z.union([z.string(), z.array(z.string()).length(1)]),
  max_tokens: z.number().int().min(1).max(1_000_000).default(16),
  /** Server-sent events, one chunk as tokens come (vLLM: one per decode step; here at most one per STREAM_EVERY_MS). */
  stream: z.boolean().optional(),
  /** vLLM's `continuous_usage_stats`: every chunk carries the usage so far (what a client keeps if it hangs up). */
  stream_options: z
    .object({ include_usage: z.boolean().optional(), continuous_usage_stats: z.boolean().optional() })
    .optional(),
  /** vLLM's extra parameter under `--scheduling-policy priority`: lower is served first. */
  priority: z.number().int().min(-1000).max(1000).optional(),
});

/** How often (real time) a streamed completion sends the tokens decoded since its last chunk. */
const STREAM_EVERY_MS = 50;

/** OpenAI's rule of thumb: about four characters of English per token. */
const CHARS_PER_TOKEN = 4;
const MAX_BODY_BYTES = 1 << 20;

/**
 * The HTTP face of a virtual GPU node. The inference routes follow the OpenAI shape vLLM serves (`GET /v1/models`,
 * `POST /v1/completions`), so a vLLM adapter can be pointed at the same port; `/v1/models/load`, `/v1/jobs` and the
 * `nvidia-smi` routes are the simulator's own. `/metrics` is dcgm-exporter's Prometheus text.
 */
export async function startGpuNodeServer(node: GpuNode, options: GpuNodeServerOptions): Promise<GpuNodeServer> {
  let completions = 0;
  const server = http.createServer((req, res) => {
    void route(req, res).catch((error: unknown) => sendJson(res, 500, openAiError('internal_error', String(error))));
  });

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://node');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok', node: node.item.id });
    if (req.method === 'GET' && path === '/metrics') {
      return sendText(res, 200, dcgmMetricsText(node.readings(), node.item.hostname), 'text/plain; version=0.0.4');
    }
    if (req.method === 'GET' && path === '/nvidia-smi') {
      const fields = url.searchParams.get('query-gpu') ?? DEFAULT_QUERY_FIELDS.join(',');
      const format = url.searchParams.get('format') ?? 'csv,noheader,nounits';
      const index = url.searchParams.get('i');
      const readings = node.readings().filter((r) => index === null || String(r.index) === index);
      const out = queryGpuCsv(readings, fields, format);
      return sendText(res, out.ok ? 200 : 400, out.text);
    }
    if (req.method === 'POST' && path === '/nvidia-smi/power-limit') {
      const watts = Number(url.searchParams.get('pl'));
      const indexParam = url.searchParams.get('i');
      const result = node.setPowerLimit(watts, indexParam === null ? undefined : Number(indexParam));
      if (!result.ok) return sendText(res, 400, `${result.message}\n`);
      const bus = new Map(node.readings().map((r) => [r.index, r.pciBusId]));
      const changes = result.value.map((c) => ({ ...c, pciBusId: bus.get(c.index) ?? '' }));
      return sendText(res, 200, powerLimitSetText(changes));
    }
    // The simulator's own fault injection: ECC errors, an XID, extra heat on one GPU; DELETE resets the node's GPUs.
    if (req.method === 'POST' && path === '/faults') {
      const body = await readJson(req, faultSchema);
      if (!body.ok) return sendJson(res, 400, body.error);
      const result = node.injectFault(body.value);
      return result.ok ? sendJson(res, 200, result.value) : sendNodeError(res, result);
    }
    if (req.method === 'DELETE' && path === '/faults') {
      node.clearFaults();
      return sendJson(res, 200, { cleared: true });
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, {
        object: 'list',
        data: node
          .models()
          .filter((m) => m.ready)
          .map((m) => ({
            id: m.modelId,
            object: 'model',
            created: Math.floor(m.readyAtMs / 1000),
            owned_by: 'hcp-sim',
            root: m.modelId,
          })),
      });
    }
    if (req.method === 'GET' && path === '/v1/deployments') return sendJson(res, 200, { data: node.models() });
    if (path.startsWith('/agent/v1/')) return agentRoute(req, res, path);
    if (req.method === 'POST' && path === '/v1/models/load') {
      const body = await readJson(req, loadSchema);
      if (!body.ok) return sendJson(res, 400, body.error);
      const result = node.loadModel({
        model: body.value.model,
        tensorParallelSize: body.value.tensor_parallel_size,
        gpus: body.value.gpus,
      });
      return result.ok ? sendJson(res, 202, result.value) : sendNodeError(res, result);
    }
    if (req.method === 'POST' && path === '/v1/models/unload') {
      const body = await readJson(req, z.strictObject({ model: z.string().min(1) }));
      if (!body.ok) return sendJson(res, 400, body.error);
      const result = node.unloadModel(body.value.model);
      return result.ok ? sendJson(res, 200, result.value) : sendNodeError(res, result);
    }
    if (req.method === 'POST' && path === '/v1/jobs') {
      const body = await readJson(req, jobSchema);
      if (!body.ok) return sendJson(res, 400, body.error);
      const result = node.submitJob(body.value);
      return result.ok ? sendJson(res, 202, result.value) : sendNodeError(res, result);
    }
    const jobMatch = /^\/v1\/jobs\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && jobMatch) {
      const job = node.job(decodeURIComponent(jobMatch[1]!));
      return job ? sendJson(res, 200, job) : sendJson(res, 404, openAiError('job_not_found', 'no such job'));
    }
    if (req.method === 'DELETE' && jobMatch) {
      const result = node.cancelJob(decodeURIComponent(jobMatch[1]!));
      return result.ok
        ? sendJson(res, 200, result.value)
        : sendJson(res, 404, openAiError(result.code, result.message));
    }
    if (req.method === 'POST' && path === '/v1/completions') {
      const body = await readJson(req, completionSchema);
      if (!body.ok) return sendJson(res, 400, body.error);
      const prompt = Array.isArray(body.value.prompt) ? body.value.prompt[0]! : body.value.prompt;
      const promptTokens = Math.max(1, Math.ceil(prompt.length / CHARS_PER_TOKEN));
      completions += 1;
      const id = `cmpl-${node.item.id}-${completions}`;
      const submitted = node.submitJob({
        id,
        modelId: body.value.model,
        inputTokens: promptTokens,
        outputTokens: body.value.max_tokens,
        ...(body.value.priority === undefined ? {} : { priority: body.value.priority }),
      });
      if (!submitted.ok) return sendNodeError(res, submitted);
      // A client that hangs up (a preempting worker, a timeout) frees its sequence, as vLLM aborts the request.
      res.once('close', () => {
        if (!res.writableEnded) node.cancelJob(id);
      });
      if (body.value.stream) return streamCompletion(res, id, body.value.model, promptTokens);
      const done = await node.whenDone(id);
      if (done.status === 'cancelled') return;
      return sendJson(res, 200, {
        id,
        object: 'text_completion',
        created: Math.floor((done.completedAtMs ?? 0) / 1000),
        model: body.value.model,
        choices: [{ index: 0, text: ' tok'.repeat(done.outputTokens), logprobs: null, finish_reason: 'length' }],
        usage: {
          prompt_tokens: promptTokens,
          completion_tokens: done.outputTokens,
          total_tokens: promptTokens + done.outputTokens,
        },
      });
    }
    return sendJson(res, 404, openAiError('not_found', `no route ${req.method} ${path}`));
  }

  /**
   * A completion as server-sent events, each chunk with the tokens decoded since the last and the usage so far
   * (vLLM's `stream_options.continuous_usage_stats`), then `[DONE]`.
   */
  async function streamCompletion(res: http.ServerResponse, id: string, model: string, promptTokens: number) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const chunk = (tokens: number, done: number, finish: string | null) =>
      res.write(
        `data: ${JSON.stringify({
          id,
          object: 'text_completion',
          model,
          choices: [{ index: 0, text: ' tok'.repeat(tokens), logprobs: null, finish_reason: finish }],
          usage: { prompt_tokens: promptTokens, completion_tokens: done, total_tokens: promptTokens + done },
        })}\n\n`,
      );
    let sent = 0;
    let finished = false;
    void node.whenDone(id).then(() => {
      finished = true;
    });
    while (!finished && !res.destroyed) {
      await new Promise((resolve) => setTimeout(resolve, STREAM_EVERY_MS));
      const view = node.job(id);
      if (!view || view.status === 'cancelled') return;
      const done = Math.floor(view.outputTokensDone);
      if (done > sent && view.status !== 'completed') {
        chunk(done - sent, done, null);
        sent = done;
      }
    }
    const view = node.job(id);
    if (res.destroyed || !view || view.status !== 'completed') return;
    chunk(view.outputTokens - sent, view.outputTokens, 'length');
    res.end('data: [DONE]\n\n');
  }

  /** The node agent's API (core/serving/node-agent.ts), as a real node's agent serves it. */
  async function agentRoute(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    if (req.method === 'GET' && path === AGENT_ROUTES.replicas)
      return sendJson(res, 200, { replicas: node.replicas() });
    if (req.method === 'POST' && path === AGENT_ROUTES.load) {
      const body = await readJson(req, loadReplicaSchema);
      if (!body.ok) return sendJson(res, 400, body.error);
      const { modelId, version, tensorParallelSize, warmupSeconds } = body.value;
      const loaded = node.loadModel({ model: modelId, version, tensorParallelSize, warmupSeconds });
      if (!loaded.ok) return sendNodeError(res, loaded);
      return sendJson(
        res,
        202,
        node.replicas().find((r) => r.modelId === modelId && r.version === version),
      );
    }
    if (req.method === 'POST' && (path === AGENT_ROUTES.drain || path === AGENT_ROUTES.unload)) {
      const body = await readJson(req, replicaKeySchema);
      if (!body.ok) return sendJson(res, 400, body.error);
      const { modelId, version } = body.value;
      const result =
        path === AGENT_ROUTES.drain ? node.drainModel(modelId, version) : node.unloadModel(modelId, version, true);
      return result.ok ? sendJson(res, 200, { modelId, version }) : sendNodeError(res, result);
    }
    return sendJson(res, 404, openAiError('not_found', `no route ${req.method} ${path}`));
  }

  const timer = options.autoTickMs ? setInterval(() => node.tick(), options.autoTickMs) : undefined;
  timer?.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: options.host,
    port,
    close: () =>
      new Promise((resolve) => {
        if (timer) clearInterval(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function openAiError(code: string, message: string, param: string | null = null) {
  return { error: { message, type: 'invalid_request_error', param, code } };
}

function sendNodeError(res: http.ServerResponse, error: NodeError): void {
  const status = error.code === 'model_not_found' || error.code === 'model_not_loaded' ? 404 : 400;
  sendJson(res, error.code === 'duplicate_job' || error.code === 'model_already_loaded' ? 409 : status, {
    error: { message: error.message, type: 'invalid_request_error', param: null, code: error.code },
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: http.ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

type BodyResult<T> = { ok: true; value: T } | { ok: false; error: ReturnType<typeof openAiError> };

/** Reads and validates a JSON body; a bad body names the field and the rule. */
async function readJson<S extends z.ZodType>(req: http.IncomingMessage, schema: S): Promise<BodyResult<z.infer<S>>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return { ok: false, error: openAiError('body_too_large', 'request body over 1 MiB') };
    chunks.push(chunk as Buffer);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return { ok: false, error: openAiError('invalid_json', 'request body is not valid JSON') };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || '(root)';
  return { ok: false, error: openAiError('invalid_field', `${field}: ${issue?.message ?? 'invalid'}`, field) };
}
