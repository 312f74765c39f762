import { randomUUID } from 'node:crypto';

/**
 * The local side of SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat. A `.waitForTaskToken` state issues a
 * token here and waits on its promise; whoever holds the token (a gateway ack over MQTT, a test) settles it. Answers
 * mirror the Step Functions API: a token that is unknown, already settled or past its deadline is refused with the
 * API's error name instead of a throw.
 */

export type TaskTokenOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: 'TaskDoesNotExist' | 'TaskTimedOut' | 'InvalidOutput' };

export interface IssueTokenOptions {
  readonly stateName: string;
  readonly executionName: string;
  /** From the state's HeartbeatSeconds: no heartbeat for this long fails the task with States.HeartbeatTimeout. */
  readonly heartbeatMs?: number;
  /**
   * From the state's TimeoutSeconds: after it the token is refused. The state machine raises States.Timeout itself,
   * so the registry only closes the token.
   */
  readonly timeoutMs?: number;
}

export interface PendingTask {
  readonly taskToken: string;
  readonly stateName: string;
  readonly executionName: string;
}

/** What a failed task raises into the state machine: `name` is the ASL error matched by Retry/Catch. */
export class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}

interface Entry extends PendingTask {
  resolve(output: unknown): void;
  reject(error: Error): void;
  heartbeatMs?: number;
  heartbeatTimer?: NodeJS.Timeout;
  deadlineTimer?: NodeJS.Timeout;
}

/** Settled tokens are remembered so a late answer gets TaskTimedOut, not TaskDoesNotExist; bounded for long runs. */
const MAX_REMEMBERED_CLOSED_TOKENS = 10_000;

export class TaskTokenRegistry {
  private readonly pendingByToken = new Map<string, Entry>();
  private readonly closedTokens = new Set<string>();
  private readonly issuedListeners = new Set<(task: PendingTask) => void>();

  constructor(private readonly newToken: () => string = () => `local-task-token-${randomUUID()}`) {}

  /** Opens a task; its promise settles with the output sent for the token, or rejects with its failure. */
  issue(options: IssueTokenOptions): { taskToken: string; result: Promise<unknown> } {
    const taskToken = this.newToken();
    const result = new Promise<unknown>((resolve, reject) => {
      const entry: Entry = {
        taskToken,
        stateName: options.stateName,
        executionName: options.executionName,
        resolve,
        reject,
        heartbeatMs: options.heartbeatMs,
      };
      this.pendingByToken.set(taskToken, entry);
      this.armHeartbeat(entry);
      if (options.timeoutMs !== undefined) {
        entry.deadlineTimer = setTimeout(() => this.close(entry), options.timeoutMs);
        entry.deadlineTimer.unref();
      }
    });
    const task = { taskToken, stateName: options.stateName, executionName: options.executionName };
    for (const listener of this.issuedListeners) listener(task);
    return { taskToken, result };
  }

  sendTaskSuccess(taskToken: string, output: unknown): TaskTokenOutcome {
    const entry = this.pendingByToken.get(taskToken);
    if (!entry) return this.refusal(taskToken);
    let json: unknown;
    try {
      // The service takes output as a JSON string; a value that does not survive JSON is refused like it would be.
      json = JSON.parse(JSON.stringify(output ?? null));
    } catch {
      return { ok: false, error: 'InvalidOutput' };
    }
    this.close(entry);
    entry.resolve(json);
    return { ok: true };
  }

  sendTaskFailure(taskToken: string, failure: { error?: string; cause?: string } = {}): TaskTokenOutcome {
    const entry = this.pendingByToken.get(taskToken);
    if (!entry) return this.refusal(taskToken);
    this.close(entry);
    // Step Functions reports a failure sent without an error name as States.TaskFailed.
    entry.reject(new TaskFailure(failure.error ?? 'States.TaskFailed', failure.cause ?? ''));
    return { ok: true };
  }

  sendTaskHeartbeat(taskToken: string): TaskTokenOutcome {
    const entry = this.pendingByToken.get(taskToken);
    if (!entry) return this.refusal(taskToken);
    this.armHeartbeat(entry);
    return { ok: true };
  }

  /** Tasks waiting for an answer, oldest first. */
  pending(): PendingTask[] {
    return [...this.pendingByToken.values()].map(({ taskToken, stateName, executionName }) => ({
      taskToken,
      stateName,
      executionName,
    }));
  }

  /** Resolves with the next task issued for `stateName` (or already pending): for callers that hold no callback. */
  nextTask(stateName: string): Promise<PendingTask> {
    const waiting = this.pending().find((task) => task.stateName === stateName);
    if (waiting) return Promise.resolve(waiting);
    return new Promise((resolve) => {
      const listener = (task: PendingTask) => {
        if (task.stateName !== stateName) return;
        this.issuedListeners.delete(listener);
        resolve(task);
      };
      this.issuedListeners.add(listener);
    });
  }

  /** Closes a token without settling it: the call that was to deliver it failed, so no answer can come. */
  cancel(taskToken: string): void {
    const entry = this.pendingByToken.get(taskToken);
    if (entry) this.close(entry);
  }

  /**
   * Closes an execution's open tokens once its run ended (aborted, timed out, failed in another branch). The waits
   * are rejected so the library's per-task timers, which only clear when a task settles, do not outlive the run.
   */
  closeExecution(executionName: string): void {
    for (const entry of this.pendingByToken.values()) {
      if (entry.executionName !== executionName) continue;
      this.close(entry);
      entry.reject(new TaskFailure('Local.ExecutionEnded', `execution ${executionName} ended before the task`));
    }
  }

  private armHeartbeat(entry: Entry): void {
    if (entry.heartbeatMs === undefined) return;
    clearTimeout(entry.heartbeatTimer);
    entry.heartbeatTimer = setTimeout(() => {
      this.close(entry);
      entry.reject(new TaskFailure('States.HeartbeatTimeout', `no heartbeat for ${entry.heartbeatMs} ms`));
    }, entry.heartbeatMs);
    entry.heartbeatTimer.unref();
  }

  private close(entry: Entry): void {
    clearTimeout(entry.heartbeatTimer);
    clearTimeout(entry.deadlineTimer);
    this.pendingByToken.delete(entry.taskToken);
    this.closedTokens.add(entry.taskToken);
    if (this.closedTokens.size > MAX_REMEMBERED_CLOSED_TOKENS) {
      const oldest = this.closedTokens.values().next().value;
      if (oldest !== undefined) this.closedTokens.delete(oldest);
    }
  }

  private refusal(taskToken: string): TaskTokenOutcome {
    return { ok: false, error: this.closedTokens.has(taskToken) ? 'TaskTimedOut' : 'TaskDoesNotExist' };
  }
}
