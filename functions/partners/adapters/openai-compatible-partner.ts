import { z } from 'zod';
import { syntheticPrompt } from '../../../core/gpu/models.js';
import type { PartnerJob } from '../../../core/partners/attempt.js';
import type { Partner } from '../../../core/partners/catalogue.js';
import type { Clock } from '../../../core/support/clock.js';
import type { PartnerCallResult, PartnerClient } from '../ports.js';

/**
 * A partner cloud's OpenAI-compatible API (the generic adapter: no partner-specific API was found for Exaion, see
 * README, "Partner capacity"): `POST {baseUrl}/v1/chat/completions` with `Authorization: Bearer <key>`, `{model, messages,
 * max_tokens, stream: false}`, and the `usage` of the answer as what was processed. Jobs are submitted as token
 * counts, so the prompt is a stand-in of the job's size (core/gpu/models.ts syntheticPrompt).
 *
 * Retries: a throttle (429), a server error (5xx), a refused or dropped connection and a timeout are tried again, up
 * to `maxCalls` calls in all with a doubling pause, never past the job's deadline; a 4xx other than 429 or an answer
 * without `usage` is final. A cancelled job's `signal` aborts the call in flight and any retry: the result is
 * `cancelled`, never a completion to bill.
 *
 * Duplicate runs: every call of one attempt carries the same `Idempotency-Key` and `X-Request-Id`
 * (`<jobId>#<attempt>`, `partnerRequestKey`). A partner that honours the key (the virtual partner does, as Stripe-style
 * APIs do) answers a retry after a time-out from the run already under way or done, so it runs and bills the job
 * once. OpenAI's API documents no idempotency key, so a partner that ignores the header may still run a retried job
 * twice: HCP may then be charged twice by the partner, the customer never (the attempt is billed once, on the job's
 * version). The remaining risk is bounded by `maxCalls` and shows as partner cost above the attempt's usage.
 */
export interface OpenAiCompatiblePartnerOptions {
  readonly clock: Clock;
  /** @default 3 */
  readonly maxCalls?: number;
  /** @default 500 */
  readonly firstPauseMs?: number;
  /** The longest one call may take. @default 900_000 (the partner-runner Lambda's timeout) */
  readonly callTimeoutMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly fetch?: typeof fetch;
}

const answerSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
  usage: z.object({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
  }),
});

type Call =
  | { kind: 'done'; inputTokens: number; outputTokens: number }
  | { kind: 'retry' | 'final' | 'cancelled'; detail: string };

/** The key every call of one attempt carries, so a partner that honours it runs the attempt once. */
export const partnerRequestKey = (job: Pick<PartnerJob, 'jobId' | 'attempt'>) => `${job.jobId}#${job.attempt}`;

async function errorText(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    return (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}

const cancelDetail = (signal: AbortSignal) =>
  `cancelled: ${signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted')}`;

export function openAiCompatiblePartner(options: OpenAiCompatiblePartnerOptions): PartnerClient {
  const maxCalls = options.maxCalls ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const doFetch = options.fetch ?? fetch;

  async function callOnce(
    partner: Partner,
    job: PartnerJob,
    apiKey: string,
    timeoutMs: number,
    cancel: AbortSignal | undefined,
  ): Promise<Call> {
    const timeout = AbortSignal.timeout(Math.max(1, timeoutMs));
    const key = partnerRequestKey(job);
    let response: Response;
    try {
      response = await doFetch(new URL('/v1/chat/completions', partner.baseUrl), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${apiKey}`,
          'idempotency-key': key,
          'x-request-id': key,
        },
        body: JSON.stringify({
          model: job.modelId,
          messages: [{ role: 'user', content: syntheticPrompt(job.inputTokens) }],
          max_tokens: job.outputTokens,
          stream: false,
        }),
        signal: cancel ? AbortSignal.any([cancel, timeout]) : timeout,
      });
    } catch (error) {
      if (cancel?.aborted) return { kind: 'cancelled', detail: cancelDetail(cancel) };
      return { kind: 'retry', detail: `unreachable: ${(error as Error).message}` };
    }
    if (response.status === 429 || response.status >= 500) {
      return { kind: 'retry', detail: `HTTP ${response.status}: ${await errorText(response)}` };
    }
    if (!response.ok) return { kind: 'final', detail: `HTTP ${response.status}: ${await errorText(response)}` };
    const parsed = answerSchema.safeParse(await response.json().catch(() => undefined));
    if (cancel?.aborted) return { kind: 'cancelled', detail: cancelDetail(cancel) };
    if (!parsed.success) return { kind: 'final', detail: 'the answer is not a chat completion with usage' };
    const { usage } = parsed.data;
    return { kind: 'done', inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens };
  }

  return {
    async complete(partner, job, apiKey, signal): Promise<PartnerCallResult> {
      const deadlineMs = Date.parse(job.deadline);
      let last = 'not called';
      for (let calls = 1; calls <= maxCalls; calls += 1) {
        if (signal?.aborted) return { ok: false, cancelled: true, detail: cancelDetail(signal), calls: calls - 1 };
        const leftMs = deadlineMs - options.clock.nowMs();
        if (leftMs <= 0) return { ok: false, detail: `deadline passed (last: ${last})`, calls: calls - 1 };
        const timeoutMs = Math.min(leftMs, options.callTimeoutMs ?? 900_000);
        const call = await callOnce(partner, job, apiKey, timeoutMs, signal);
        if (call.kind === 'done')
          return { ok: true, inputTokens: call.inputTokens, outputTokens: call.outputTokens, calls };
        if (call.kind === 'cancelled') return { ok: false, cancelled: true, detail: call.detail, calls };
        last = call.detail;
        if (call.kind === 'final' || calls === maxCalls) return { ok: false, detail: call.detail, calls };
        await sleep((options.firstPauseMs ?? 500) * 2 ** (calls - 1));
      }
      return { ok: false, detail: last, calls: maxCalls };
    },
  };
}
