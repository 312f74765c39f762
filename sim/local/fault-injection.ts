import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Rng } from '../../core/support/random.js';
import type { LocalTaskHandler } from './stepfunctions/runner.js';

/**
 * Faults injected into the local stand-ins' calls, drawn from a seeded generator so a failing run replays exactly.
 * Nothing here changes a stand-in unless a test wraps it.
 */

export interface FaultCounts {
  calls: number;
  /** Failures thrown before the real call ran: nothing was done. */
  before: number;
  /** Failures thrown after the real call succeeded: the work was done, the answer lost (a Lambda timing out late). */
  after: number;
}

/** The error a flaky Lambda raises: a name the flows' Retry (`States.ALL` less the permanent errors) retries. */
export class InjectedTaskFailure extends Error {
  constructor(stateName: string, when: 'before' | 'after') {
    super(`injected failure ${when} ${stateName}`);
    this.name = 'Lambda.ServiceException';
  }
}

/**
 * Wraps every task handler so a share `rate` of its invocations fail: half before the handler runs, half after it has
 * run (its effect stays, its result is lost), which is what a Lambda timeout or a lost response looks like to Step
 * Functions. `counts` is filled per state name.
 */
export function flakyTaskHandlers(
  handlers: Readonly<Record<string, LocalTaskHandler>>,
  options: { readonly rate: number; readonly rng: Rng; readonly counts?: Map<string, FaultCounts> },
): Record<string, LocalTaskHandler> {
  const counts = options.counts ?? new Map<string, FaultCounts>();
  return Object.fromEntries(
    Object.entries(handlers).map(([stateName, handler]) => [
      stateName,
      (async (event: unknown, context: never) => {
        const count = counts.get(stateName) ?? { calls: 0, before: 0, after: 0 };
        counts.set(stateName, count);
        count.calls += 1;
        const draw = options.rng.next();
        if (draw < options.rate / 2) {
          count.before += 1;
          throw new InjectedTaskFailure(stateName, 'before');
        }
        const result = await handler(event, context);
        if (draw < options.rate) {
          count.after += 1;
          throw new InjectedTaskFailure(stateName, 'after');
        }
        return result;
      }) as LocalTaskHandler,
    ]),
  );
}

export interface ThrottleCounts {
  requests: number;
  throttled: number;
}

/**
 * Makes DynamoDB refuse a share `rate` of requests with ProvisionedThroughputExceededException, as a table past its
 * capacity does: the request never reaches the table. The middleware sits inside the SDK's retry loop, so the SDK's
 * own retries (`maxAttempts`, default 3) see each attempt throttled or not, as they would in AWS.
 */
export function injectThrottling(
  client: DynamoDBDocumentClient,
  options: { readonly rate: number; readonly rng: Rng },
): ThrottleCounts {
  const counts: ThrottleCounts = { requests: 0, throttled: 0 };
  client.middlewareStack.add(
    (next) => async (args) => {
      counts.requests += 1;
      if (options.rng.next() < options.rate) {
        counts.throttled += 1;
        throw new ProvisionedThroughputExceededException({
          message: 'The level of configured provisioned throughput for the table was exceeded (injected)',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    // `deserialize` runs per attempt, inside `finalizeRequest`'s retry middleware.
    { step: 'deserialize', name: 'hcpInjectedThrottling', priority: 'high' },
  );
  return counts;
}

export interface LostAnswerCounts {
  /** Calls of the chosen commands. */
  calls: number;
  /** Of those, performed and then failed: the effect stands, the caller saw an error. */
  lost: number;
}

/** The error a call whose answer was lost raises: a timeout, which the SDK's own retry treats as transient. */
export class LostAnswerError extends Error {
  constructor(commandName: string) {
    super(`${commandName} was applied but its answer was lost (injected)`);
    this.name = 'TimeoutError';
  }
}

/** DynamoDB's writes: what an applied-but-unanswered call can leave half-known. */
export const DYNAMODB_WRITES = [
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
] as const;

/** A deserialize-step middleware, as far as a lossy call needs to see it. */
type AnswerMiddleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { readonly commandName?: string },
) => (args: unknown) => Promise<unknown>;

/** Any AWS SDK v3 client: their `middlewareStack.add` overloads differ only in the commands' types. */
interface SdkClient {
  readonly middlewareStack: { add(...args: never[]): void };
}

/**
 * `call` made lossy: a share `rate` of its calls are performed, then fail with a timeout, the effect standing. For a
 * port method or an integration callback (the SwitchFlow publish); SDK clients take `injectLostAnswers`.
 */
export function losingAnswers<A extends unknown[], R>(
  name: string,
  call: (...args: A) => Promise<R>,
  options: { readonly rate: number; readonly rng: Rng; readonly counts: LostAnswerCounts },
): (...args: A) => Promise<R> {
  return async (...args) => {
    options.counts.calls += 1;
    const result = await call(...args);
    if (options.rng.next() < options.rate) {
      options.counts.lost += 1;
      throw new LostAnswerError(name);
    }
    return result;
  };
}

/**
 * "Applied, but the answer was lost": a share `rate` of the `commands` calls of an SDK client (DynamoDB writes, IoT
 * Publish, StartExecution, SendTaskSuccess) are sent and performed, then fail with a timeout, as when a response
 * never reaches the caller. Inside the SDK's retry loop, like `injectThrottling`: with SDK retries on, the SDK sends
 * the call again, which is exactly the repeat a write must survive.
 */
export function injectLostAnswers(
  client: SdkClient,
  options: { readonly rate: number; readonly rng: Rng; readonly commands: readonly string[] },
): LostAnswerCounts {
  const counts: LostAnswerCounts = { calls: 0, lost: 0 };
  const chosen = new Set(options.commands);
  const stack = client.middlewareStack as unknown as { add(middleware: AnswerMiddleware, options: object): void };
  stack.add(
    (next, context) => (args) => {
      const commandName = context.commandName ?? '';
      if (!chosen.has(commandName)) return next(args);
      return losingAnswers(commandName, next, { ...options, counts })(args);
    },
    { step: 'deserialize', name: 'hcpInjectedLostAnswers', priority: 'high' },
  );
  return counts;
}
