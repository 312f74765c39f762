import { ackSchema } from '../../core/messages/ack.js';
import type { Rng } from '../../core/support/random.js';
import { parseWith } from '../../core/support/validation.js';
import { interpretAck, isSettledTokenError } from '../../core/switching/ack.js';
import { type BackoffPolicy, fullJitterDelayMs, SEND_TASK_BACKOFF } from '../../core/switching/backoff.js';

/**
 * The ack path: a gateway's ack, delivered by the IoT rule on `hcp/v1/sites/+/acks`, settles the switching flow's
 * task token. Duplicate and late acks are harmless: Step Functions refuses a settled or expired token, and that
 * refusal is counted, not raised (raising would only send the ack to the DLQ for nothing).
 */

export type TokenAnswer = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat; API errors come back by name instead of thrown. */
export interface TaskTokenClient {
  sendSuccess(taskToken: string, output: unknown): Promise<TokenAnswer>;
  sendFailure(taskToken: string, error: string, cause: string): Promise<TokenAnswer>;
  sendHeartbeat(taskToken: string): Promise<TokenAnswer>;
}

export const ACK_HANDLINGS = ['settled', 'heartbeat', 'late-or-duplicate', 'untracked', 'invalid'] as const;
export type AckHandling = (typeof ACK_HANDLINGS)[number];

export interface AckMetrics {
  ackHandled(handling: AckHandling): void;
}

export interface AckDeps {
  readonly tasks: TaskTokenClient;
  readonly metrics: AckMetrics;
  readonly rng: Rng;
  readonly sleep: (ms: number) => Promise<void>;
  /** @default SEND_TASK_BACKOFF */
  readonly backoff?: BackoffPolicy;
}

const RETRYABLE = new Set(['ThrottlingException', 'ServiceUnavailable', 'InternalServerError']);

export class AckDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AckDeliveryError';
  }
}

async function withRetries(call: () => Promise<TokenAnswer>, deps: AckDeps): Promise<TokenAnswer> {
  const policy = deps.backoff ?? SEND_TASK_BACKOFF;
  for (let retry = 0; ; retry += 1) {
    const answer = await call();
    if (answer.ok || !RETRYABLE.has(answer.error) || retry >= policy.maxRetries) return answer;
    await deps.sleep(fullJitterDelayMs(retry, policy, deps.rng));
  }
}

export async function handleAck(message: unknown, deps: AckDeps): Promise<{ handling: AckHandling; detail?: string }> {
  const parsed = parseWith(ackSchema, message);
  const result = (handling: AckHandling, detail?: string) => {
    deps.metrics.ackHandled(handling);
    return detail === undefined ? { handling } : { handling, detail };
  };
  if (!parsed.ok) return result('invalid', parsed.issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  const ack = parsed.value;
  // Acks of commands nobody waits for (the safe-mode command) carry no token.
  if (!ack.taskToken) return result('untracked');
  const taskToken = ack.taskToken;

  const outcome = interpretAck(ack);
  const answer = await withRetries(() => {
    switch (outcome.kind) {
      case 'heartbeat':
        return deps.tasks.sendHeartbeat(taskToken);
      case 'success':
        return deps.tasks.sendSuccess(taskToken, outcome.output);
      case 'failure':
        return deps.tasks.sendFailure(taskToken, outcome.error, outcome.cause);
    }
  }, deps);
  if (answer.ok) return result(outcome.kind === 'heartbeat' ? 'heartbeat' : 'settled');
  if (isSettledTokenError(answer.error)) return result('late-or-duplicate', answer.error);
  // Anything else (throttled past the retries, access denied) is a real fault: the async invocation retries, then DLQ.
  throw new AckDeliveryError(`${answer.error} settling ${ack.commandId} of ${ack.siteId}`);
}
