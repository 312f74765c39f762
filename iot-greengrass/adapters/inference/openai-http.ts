import { z } from 'zod';
import { toFieldIssues } from '../../../core/support/validation.js';
import type { InferenceOutcome, InferencePort, InferenceRequest } from './port.js';

/**
 * An OpenAI-compatible server as vLLM and TGI serve it: `POST /v1/completions` (`{model, prompt, max_tokens}`) or
 * `POST /v1/chat/completions` (`{model, messages, max_tokens}`). Non-streaming, a preempted request is aborted and
 * nothing of it is kept, so the next attempt restarts (`checkpoints: false`). Streaming (`stream: true`), each
 * server-sent chunk carries the usage so far (vLLM's `stream_options.continuous_usage_stats`), so a request aborted
 * part way reports the tokens already received as its checkpoint (`checkpoints: true`).
 */
export interface OpenAiHttpOptions {
  /** @default 'completions' */
  readonly api?: 'completions' | 'chat';
  /** The longest a job may take before it counts as failed. @default 3_600_000 */
  readonly timeoutMs?: number;
  /** Server-sent events with usage in every chunk: preempted work keeps its tokens. @default false */
  readonly stream?: boolean;
}

const usageSchema = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
});
const completionSchema = z.object({
  choices: z.array(z.object({ text: z.string() })).min(1),
  usage: usageSchema,
});
const chatSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
  usage: usageSchema,
});

function body(request: InferenceRequest, api: 'completions' | 'chat', stream: boolean): Record<string, unknown> {
  const common = {
    model: request.modelId,
    max_tokens: request.maxTokens,
    stream,
    ...(stream ? { stream_options: { include_usage: true, continuous_usage_stats: true } } : {}),
    ...(request.priority === undefined ? {} : { priority: request.priority }),
  };
  return api === 'chat'
    ? { ...common, messages: [{ role: 'user', content: request.prompt }] }
    : { ...common, prompt: request.prompt };
}

/** The server's error message (OpenAI shape), or the start of its body. */
export async function readError(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    return parsed.error?.message ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

export function openAiHttpInference(options: OpenAiHttpOptions = {}): InferencePort {
  const api = options.api ?? 'completions';
  const schema = api === 'chat' ? chatSchema : completionSchema;
  const path = api === 'chat' ? '/v1/chat/completions' : '/v1/completions';
  const stream = options.stream ?? false;
  return {
    checkpoints: stream,
    async complete(request): Promise<InferenceOutcome> {
      const signal = AbortSignal.any([request.signal, AbortSignal.timeout(options.timeoutMs ?? 3_600_000)]);
      let response: Response;
      try {
        response = await fetch(`${request.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body(request, api, stream)),
          signal,
        });
      } catch (error) {
        if (request.signal.aborted) return { ok: false, failure: { kind: 'aborted', checkpointOutputTokens: 0 } };
        return { ok: false, failure: { kind: 'unreachable', detail: String(error) } };
      }
      if (!response.ok) {
        return {
          ok: false,
          failure: { kind: 'server-error', status: response.status, detail: await readError(response) },
        };
      }
      if (stream) return readStream(response, request.signal);
      let json: unknown;
      try {
        json = await response.json();
      } catch {
        if (request.signal.aborted) return { ok: false, failure: { kind: 'aborted', checkpointOutputTokens: 0 } };
        return { ok: false, failure: { kind: 'malformed-completion', detail: 'body is not JSON' } };
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const detail = toFieldIssues(parsed.error)
          .map((i) => `${i.field}: ${i.message}`)
          .join('; ');
        return { ok: false, failure: { kind: 'malformed-completion', detail } };
      }
      const { usage } = parsed.data;
      return { ok: true, value: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } };
    },
  };
}

const streamChunkSchema = z.object({ usage: usageSchema.nullish() });

/**
 * Reads a completion's server-sent events to `[DONE]`, keeping the last usage a chunk carried: the answer's, or on an
 * abort the checkpoint (tokens received so far).
 */
async function readStream(response: Response, signal: AbortSignal): Promise<InferenceOutcome> {
  let usage: z.infer<typeof usageSchema> | undefined;
  let buffered = '';
  const decoder = new TextDecoder();
  const aborted = (): InferenceOutcome => ({
    ok: false,
    failure: { kind: 'aborted', checkpointOutputTokens: usage?.completion_tokens ?? 0 },
  });
  try {
    for await (const bytes of response.body ?? []) {
      buffered += decoder.decode(bytes as Uint8Array, { stream: true });
      const events = buffered.split('\n\n');
      buffered = events.pop() ?? '';
      for (const event of events) {
        const data = event.replace(/^data: ?/, '').trim();
        if (data === '[DONE]') {
          if (!usage) return { ok: false, failure: { kind: 'malformed-completion', detail: 'no usage in the stream' } };
          return { ok: true, value: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } };
        }
        let json: unknown;
        try {
          json = JSON.parse(data);
        } catch {
          return { ok: false, failure: { kind: 'malformed-completion', detail: 'a chunk is not JSON' } };
        }
        const chunk = streamChunkSchema.safeParse(json);
        if (chunk.success && chunk.data.usage) usage = chunk.data.usage;
      }
    }
  } catch (error) {
    if (signal.aborted) return aborted();
    return { ok: false, failure: { kind: 'unreachable', detail: String(error) } };
  }
  if (signal.aborted) return aborted();
  return { ok: false, failure: { kind: 'unreachable', detail: 'the stream ended before [DONE]' } };
}
