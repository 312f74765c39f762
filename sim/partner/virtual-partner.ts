import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { Partner, PartnerModelOffer } from '../../core/partners/catalogue.js';
import { seededRng } from '../../core/support/random.js';

/**
 * A partner GPU cloud on 127.0.0.1 with an OpenAI-compatible API, for the local platform and the tests:
 * `GET /v1/models` (each model with its prices per million tokens and per GPU-hour), `POST /v1/chat/completions` and
 * `POST /v1/completions` (non-streaming), behind a bearer key. It answers after its own latency plus the output's
 * decode time at its speed (divided by `speed`, the simulation's time scale), counts four characters of prompt per
 * token, and fails when told to: the next N requests with a status, and a seeded share of all requests.
 *
 * It honours an `Idempotency-Key` header (or `X-Request-Id`): a request whose key it has seen is answered from the run
 * already under way or done, not run again, so a client's retry after a time-out is one run and one charge; a failed
 * run is forgotten, so its retry runs. Runs go on when the client hangs up, as a real partner's do.
 */
export interface VirtualPartnerOptions {
  readonly partnerId: string;
  readonly apiKey: string;
  readonly region?: Partner['region'];
  readonly models: readonly PartnerModelOffer[];
  /** Time to the first token, real milliseconds at speed 1. @default 300 */
  readonly latencyMs?: number;
  /** What one of its GPUs rents for, shown in /v1/models beside the token prices. @default 2.5 */
  readonly usdPerGpuHour?: number;
  /** Simulated seconds per real second: 15 runs a 60 s job in 4 s. @default 1 */
  readonly speed?: number;
  /** Share of requests answered 503, drawn from `seed`. @default 0 */
  readonly failureRate?: number;
  readonly seed?: number;
  /** @default 0 (any free port) */
  readonly port?: number;
}

export interface VirtualPartner {
  readonly url: string;
  /** The partner as the catalogue lists it (markup as given). */
  catalogueEntry(markupFraction: number): Partner;
  /** The next `count` requests fail with `status` (503 by default; 400 is a final failure for the client). */
  failNext(count: number, status?: number): void;
  /** Every request answered, in order: what the partner would bill. */
  readonly served: { model: string; promptTokens: number; completionTokens: number; status: number }[];
  /** Runs under way now (answers being generated). */
  inFlight(): number;
  /** Requests answered from an earlier run with the same idempotency key (not run, not billed again). */
  readonly replayed: string[];
  close(): Promise<void>;
}

const CHARS_PER_TOKEN = 4;
const MAX_BODY_BYTES = 16 << 20;

const requestSchema = z.object({
  model: z.string().min(1),
  max_tokens: z.number().int().min(1).max(10_000_000).default(16),
  stream: z.literal(false).optional(),
  messages: z
    .array(z.object({ role: z.string(), content: z.string() }))
    .min(1)
    .optional(),
  prompt: z.string().optional(),
});

const error = (code: string, message: string) => ({ error: { message, type: code, code } });

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req) {
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startVirtualPartner(options: VirtualPartnerOptions): Promise<VirtualPartner> {
  const speed = options.speed ?? 1;
  const latencyMs = options.latencyMs ?? 300;
  const rng = seededRng(options.seed ?? 7);
  const served: VirtualPartner['served'] = [];
  const failures: number[] = [];
  const timers = new Set<NodeJS.Timeout>();

  type Answer = { readonly status: number; readonly body: unknown };
  const runsByKey = new Map<string, Promise<Answer>>();
  const replayed: string[] = [];

  async function complete(req: http.IncomingMessage, res: http.ServerResponse, chat: boolean): Promise<void> {
    const header = req.headers['idempotency-key'] ?? req.headers['x-request-id'];
    const key = typeof header === 'string' && header.length > 0 ? header : undefined;
    const text = await readBody(req);
    const earlier = key === undefined ? undefined : runsByKey.get(key);
    if (earlier) {
      replayed.push(key!);
      const answer = await earlier;
      return send(res, answer.status, answer.body);
    }
    const run = runOnce(text, chat);
    if (key !== undefined) {
      runsByKey.set(key, run);
      void run.then((answer) => answer.status === 200 || runsByKey.delete(key));
    }
    const answer = await run;
    send(res, answer.status, answer.body);
  }

  async function runOnce(text: string, chat: boolean): Promise<Answer> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return { status: 400, body: error('invalid_request_error', 'the body is not JSON') };
    }
    const parsed = requestSchema.safeParse(json);
    if (!parsed.success) return { status: 400, body: error('invalid_request_error', parsed.error.message) };
    const body = parsed.data;
    const offer = options.models.find((m) => m.modelId === body.model);
    if (!offer) return { status: 404, body: error('model_not_found', `no model ${body.model}`) };
    const prompt = chat ? (body.messages ?? []).map((m) => m.content).join('\n') : (body.prompt ?? '');
    const promptTokens = Math.max(1, Math.ceil(prompt.length / CHARS_PER_TOKEN));
    const forced = failures.shift();
    const status = forced ?? (rng.next() < (options.failureRate ?? 0) ? 503 : 200);
    if (status !== 200) {
      served.push({ model: body.model, promptTokens: 0, completionTokens: 0, status });
      return { status, body: error('server_error', `the partner failed the request (${status})`) };
    }
    const runMs = (latencyMs + (body.max_tokens / offer.outputTokensPerSec) * 1000) / speed;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, runMs);
      timers.add(timer);
    });
    served.push({ model: body.model, promptTokens, completionTokens: body.max_tokens, status });
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: body.max_tokens,
      total_tokens: promptTokens + body.max_tokens,
    };
    const id = `${chat ? 'chatcmpl' : 'cmpl'}-${options.partnerId}-${served.length}`;
    const created = Math.floor(Date.now() / 1000);
    const output = ' tok'.repeat(Math.min(body.max_tokens, 1000));
    return {
      status: 200,
      body: {
        id,
        object: chat ? 'chat.completion' : 'text_completion',
        created,
        model: body.model,
        choices: [
          chat
            ? { index: 0, message: { role: 'assistant', content: output }, finish_reason: 'length' }
            : { index: 0, text: output, logprobs: null, finish_reason: 'length' },
        ],
        usage,
      },
    };
  }

  const server = http.createServer((req, res) => {
    const route = async () => {
      if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
        return send(res, 401, error('invalid_api_key', 'a valid bearer key is required'));
      }
      const path = new URL(req.url ?? '/', 'http://partner').pathname;
      if (req.method === 'GET' && path === '/v1/models') {
        return send(res, 200, {
          object: 'list',
          data: options.models.map((m) => ({
            id: m.modelId,
            object: 'model',
            owned_by: options.partnerId,
            pricing: {
              input_usd_per_million_tokens: m.inputUsdPerMillionTokens,
              output_usd_per_million_tokens: m.outputUsdPerMillionTokens,
              usd_per_gpu_hour: options.usdPerGpuHour ?? 2.5,
            },
          })),
        });
      }
      if (req.method === 'POST' && path === '/v1/chat/completions') return complete(req, res, true);
      if (req.method === 'POST' && path === '/v1/completions') return complete(req, res, false);
      return send(res, 404, error('not_found', `no route ${req.method} ${path}`));
    };
    route().catch((e: unknown) => send(res, 400, error('invalid_request_error', String(e))));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    served,
    replayed,
    inFlight: () => timers.size,
    catalogueEntry: (markupFraction) => ({
      partnerId: options.partnerId,
      name: `Virtual partner ${options.partnerId}`,
      region: options.region ?? 'eu',
      baseUrl: url,
      latencyMs,
      markupFraction,
      models: [...options.models],
    }),
    failNext(count, status = 503) {
      for (let i = 0; i < count; i += 1) failures.push(status);
    },
    close: () =>
      new Promise((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
