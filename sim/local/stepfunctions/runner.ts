import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { createLambdaContext } from '../lambda-context.js';
import { PLACEHOLDER_AWS } from '../placeholder-aws.js';
import { TaskTokenRegistry } from './task-token-registry.js';
import { type CfnTemplate, extractAsl, type ResolveOptions } from './template-asl.js';

/**
 * Runs a state machine from a synthesized template with aws-local-stepfunctions. Every Task state must be bound
 * to something local, by state name:
 * - `taskHandlers`: a Lambda-style handler `(event, context)`. For `arn:aws:states:::lambda:invoke` it receives the
 *   `Payload` and its result comes back wrapped as the Invoke response (`{ Payload, StatusCode, ExecutedVersion }`),
 *   as in AWS; for a bare function ARN or any other service integration it receives the state's resolved Parameters.
 * - `tokenTasks`: a `.waitForTaskToken` state. The callback receives the resolved Parameters with `$$.Task.Token`
 *   filled in, delivers them (e.g. publishes to MQTT) and returns; the state then waits until the token is settled
 *   through the registry, its HeartbeatSeconds lapse (States.HeartbeatTimeout) or its TimeoutSeconds lapse
 *   (States.Timeout), each of which the state's Retry/Catch sees as in AWS.
 */

// biome-ignore lint/suspicious/noExplicitAny: `any` lets handlers typed for their own event (e.g. a middy handler) bind here.
export type LocalTaskHandler = (event: any, context: Context) => unknown;

export interface TokenTaskInvocation {
  readonly taskToken: string;
  readonly stateName: string;
  readonly executionName: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the Parameters' shape is the state machine's; callbacks narrow it.
export type TokenTaskCallback = (parameters: any, task: TokenTaskInvocation) => void | Promise<void>;

export interface StateMachineRunnerOptions extends ResolveOptions {
  /** A synthesized CloudFormation template (e.g. `Template.fromStack(stack).toJSON()`). */
  readonly template: CfnTemplate;
  /** Logical id prefix of the one state machine to run, e.g. `SwitchFlow`. */
  readonly logicalIdPrefix: string;
  readonly taskHandlers?: Readonly<Record<string, LocalTaskHandler>>;
  readonly tokenTasks?: Readonly<Record<string, TokenTaskCallback>>;
  /** @default a new registry, reachable as `runner.registry` */
  readonly registry?: TaskTokenRegistry;
  /** Wait state name → milliseconds to wait instead. */
  readonly waitTimeOverrides?: Readonly<Record<string, number>>;
  /** State name → milliseconds between retries instead of IntervalSeconds/BackoffRate. */
  readonly retryIntervalOverrides?: Readonly<Record<string, number | number[]>>;
}

export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionResult {
  readonly executionName: string;
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  /** The ASL error name (e.g. `States.Timeout`, a Fail state's Error) when the execution did not succeed. */
  readonly error?: string;
  readonly cause?: string;
}

export interface StartOptions {
  /** @default a random UUID */
  readonly executionName?: string;
  /** Aborting ends the execution with status ABORTED. */
  readonly signal?: AbortSignal;
}

export interface StateMachineRunner {
  /** The resolved ASL being run (token tasks without TimeoutSeconds get the longest timer Node allows). */
  readonly definition: StateMachineDefinition;
  readonly registry: TaskTokenRegistry;
  start(input: unknown, options?: StartOptions): Promise<ExecutionResult>;
}

const WAIT_FOR_TASK_TOKEN_SUFFIX = '.waitForTaskToken';
const LAMBDA_INVOKE_RESOURCE = /^arn:[^:]+:states:::lambda:invoke$/;
/**
 * Step Functions waits up to a year for a token when TimeoutSeconds is absent; aws-local-stepfunctions would cut
 * every task at 60 s, and Node timers overflow past 2^31-1 ms, so token tasks get the longest timer Node allows.
 */
const MAX_TOKEN_WAIT_S = Math.floor((2 ** 31 - 1) / 1000);
/** Stands for `$$.Task.Token` while the library resolves Parameters; swapped for a fresh token per task. */
const TOKEN_SENTINEL_PREFIX = 'local-task-token-sentinel:';

interface TaskStateRef {
  readonly name: string;
  readonly state: Record<string, unknown>;
}

/** Every Task state, Parallel branches and Map iterators included (overrides are keyed by state name at any depth). */
export function listTaskStates(definition: { States: Record<string, unknown> }): TaskStateRef[] {
  const found: TaskStateRef[] = [];
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as Record<string, unknown>;
    if (state.Type === 'Task') found.push({ name, state });
    const nested = [
      ...((state.Branches as { States: Record<string, unknown> }[] | undefined) ?? []),
      ...[state.Iterator, state.ItemProcessor].filter(Boolean),
    ] as { States: Record<string, unknown> }[];
    for (const child of nested) found.push(...listTaskStates(child));
  }
  return found;
}

export const isTokenTask = (state: Record<string, unknown>) =>
  String(state.Resource ?? '').endsWith(WAIT_FOR_TASK_TOKEN_SUFFIX);

function checkBindings(tasks: TaskStateRef[], options: StateMachineRunnerOptions): void {
  const taskHandlers = options.taskHandlers ?? {};
  const tokenTasks = options.tokenTasks ?? {};
  const problems: string[] = [];
  for (const { name, state } of tasks) {
    const bound = isTokenTask(state) ? tokenTasks[name] : taskHandlers[name];
    if (!bound) {
      problems.push(`state '${name}' (${state.Resource}) needs ${isTokenTask(state) ? 'tokenTasks' : 'taskHandlers'}`);
    }
  }
  const names = new Set(tasks.map((task) => task.name));
  for (const name of [...Object.keys(taskHandlers), ...Object.keys(tokenTasks)]) {
    if (!names.has(name)) problems.push(`a handler is bound to '${name}', which is not a Task state`);
  }
  if (problems.length > 0) throw new Error(`state machine ${options.logicalIdPrefix}: ${problems.join('; ')}`);
}

/** Token tasks without a TimeoutSeconds get the longest wait Node can time (see MAX_TOKEN_WAIT_S). */
function withTokenTaskTimeouts(definition: StateMachineDefinition): StateMachineDefinition {
  // JSON round trip, not structuredClone: under jest the latter returns objects of another realm, which the
  // library's plain-object checks reject (nested Parameters would then go unresolved).
  const copy = JSON.parse(JSON.stringify(definition)) as StateMachineDefinition;
  for (const { state } of listTaskStates(copy as { States: Record<string, unknown> })) {
    if (isTokenTask(state) && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = MAX_TOKEN_WAIT_S;
    }
  }
  return copy;
}

/** Replaces the sentinel in every string of a JSON value (payloads may embed the token via States.Format). */
export function fillTaskToken(value: unknown, sentinel: string, taskToken: string): unknown {
  if (typeof value === 'string') return value.split(sentinel).join(taskToken);
  if (Array.isArray(value)) return value.map((item) => fillTaskToken(item, sentinel, taskToken));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillTaskToken(v, sentinel, taskToken)]));
  }
  return value;
}

/** A thrown handler error as Step Functions reports a Lambda error: name = errorType, Cause = the JSON error. */
function asLambdaError(error: unknown): Error {
  const errorType = error instanceof Error ? error.name : 'Error';
  const errorMessage = error instanceof Error ? error.message : String(error);
  const failure = new Error(JSON.stringify({ errorType, errorMessage }));
  failure.name = errorType;
  return failure;
}

const functionNameOf = (arnOrName: unknown, fallback: string) =>
  String(arnOrName ?? fallback)
    .split(':')
    .pop()!;

function lambdaTask(name: string, state: Record<string, unknown>, handler: LocalTaskHandler) {
  const resource = String(state.Resource);
  const wrapsInvokeResponse = LAMBDA_INVOKE_RESOURCE.test(resource);
  const timeoutMs = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds * 1000 : undefined;
  return async (input: unknown) => {
    const invoke = (input ?? {}) as { FunctionName?: string; Payload?: unknown };
    const functionName = functionNameOf(wrapsInvokeResponse ? invoke.FunctionName : resource, name);
    const context = createLambdaContext({ functionName, timeoutMs });
    try {
      if (!wrapsInvokeResponse) return (await handler(input, context)) ?? null;
      const payload = await handler(invoke.Payload ?? {}, context);
      return { ExecutedVersion: '$LATEST', Payload: payload ?? null, StatusCode: 200 };
    } catch (error) {
      throw asLambdaError(error);
    }
  };
}

function tokenTask(
  name: string,
  state: Record<string, unknown>,
  callback: TokenTaskCallback,
  registry: TaskTokenRegistry,
  executionName: string,
) {
  const millisecondsOf = (secondsField: string) =>
    typeof state[secondsField] === 'number' ? (state[secondsField] as number) * 1000 : undefined;
  return async (input: unknown) => {
    const { taskToken, result } = registry.issue({
      stateName: name,
      executionName,
      heartbeatMs: millisecondsOf('HeartbeatSeconds'),
      timeoutMs: millisecondsOf('TimeoutSeconds'),
    });
    const parameters = fillTaskToken(input, TOKEN_SENTINEL_PREFIX + executionName, taskToken);
    try {
      await callback(parameters, { taskToken, stateName: name, executionName });
    } catch (error) {
      // The integration call itself failed (e.g. the publish), so no one can answer this token.
      registry.cancel(taskToken);
      throw error;
    }
    return result;
  };
}

function toExecutionResult(executionName: string, error: unknown): ExecutionResult {
  if (error instanceof ExecutionTimeoutError) {
    return { executionName, status: 'TIMED_OUT', error: 'States.Timeout', cause: error.message };
  }
  if (error instanceof ExecutionAbortedError) return { executionName, status: 'ABORTED', cause: error.message };
  const reason = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : (error as Error);
  return { executionName, status: 'FAILED', error: reason?.name ?? 'Error', cause: reason?.message ?? String(error) };
}

export function createStateMachineRunner(options: StateMachineRunnerOptions): StateMachineRunner {
  const definition = withTokenTaskTimeouts(extractAsl(options.template, options.logicalIdPrefix, options));
  const tasks = listTaskStates(definition as { States: Record<string, unknown> });
  checkBindings(tasks, options);
  const registry = options.registry ?? new TaskTokenRegistry();
  // Placeholder Lambda ARNs pass ARN validation; JSONPath validation stays on to catch definition mistakes.
  const machine = new StateMachine(definition);
  const { partition, region, accountId } = PLACEHOLDER_AWS;
  const stateMachineArn = `arn:${partition}:states:${region}:${accountId}:stateMachine:${options.logicalIdPrefix}`;

  type LocalHandlers = NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers'];
  const handlersFor = (executionName: string): LocalHandlers =>
    Object.fromEntries(
      tasks.map(({ name, state }) => [
        name,
        isTokenTask(state)
          ? tokenTask(name, state, options.tokenTasks![name]!, registry, executionName)
          : lambdaTask(name, state, options.taskHandlers![name]!),
      ]),
    ) as LocalHandlers;

  return {
    definition,
    registry,
    async start(input, startOptions = {}) {
      const executionName = startOptions.executionName ?? randomUUID();
      const execution = machine.run(input as never, {
        overrides: {
          taskResourceLocalHandlers: handlersFor(executionName),
          waitTimeOverrides: { ...options.waitTimeOverrides },
          retryIntervalOverrides: { ...options.retryIntervalOverrides },
        },
        context: {
          Execution: {
            Id: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`,
            Name: executionName,
          },
          StateMachine: { Id: stateMachineArn, Name: options.logicalIdPrefix },
          Task: { Token: TOKEN_SENTINEL_PREFIX + executionName },
        },
      });
      const onAbort = () => execution.abort();
      startOptions.signal?.addEventListener('abort', onAbort, { once: true });
      if (startOptions.signal?.aborted) onAbort();
      try {
        const output = await execution.result;
        return { executionName, status: 'SUCCEEDED', output };
      } catch (error) {
        return toExecutionResult(executionName, error);
      } finally {
        startOptions.signal?.removeEventListener('abort', onAbort);
        registry.closeExecution(executionName);
      }
    },
  };
}
