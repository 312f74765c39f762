import { TaskFailure, TaskTokenRegistry } from '../../../sim/local/stepfunctions/index.js';

const sequentialTokens = () => {
  let next = 0;
  return () => `token-${++next}`;
};

describe('task token registry', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('settles the waiting task with the output sent for its token', async () => {
    // Prepare
    const registry = new TaskTokenRegistry(sequentialTokens());
    const { taskToken, result } = registry.issue({ stateName: 'WaitForAck', executionName: 'e1' });

    // Act
    const outcome = registry.sendTaskSuccess(taskToken, { status: 'executed' });

    // Assess
    expect(taskToken).toBe('token-1');
    expect(outcome).toEqual({ ok: true });
    await expect(result).resolves.toEqual({ status: 'executed' });
    expect(registry.pending()).toEqual([]);
  });

  it('fails the waiting task with the error name and cause sent', async () => {
    // Prepare
    const registry = new TaskTokenRegistry(sequentialTokens());
    const { taskToken, result } = registry.issue({ stateName: 'WaitForAck', executionName: 'e1' });

    // Act
    registry.sendTaskFailure(taskToken, { error: 'Ack.Rejected', cause: 'stale sequence number' });

    // Assess
    await expect(result).rejects.toEqual(new TaskFailure('Ack.Rejected', 'stale sequence number'));
    await expect(result).rejects.toHaveProperty('name', 'Ack.Rejected');
  });

  it('answers like the Step Functions API for unknown, settled and unserializable cases', () => {
    // Prepare
    const registry = new TaskTokenRegistry(sequentialTokens());
    const { taskToken } = registry.issue({ stateName: 'WaitForAck', executionName: 'e1' });

    // Act
    const unserializable = registry.sendTaskSuccess(taskToken, { amount: 1n });
    const first = registry.sendTaskSuccess(taskToken, {});
    const late = registry.sendTaskSuccess(taskToken, {});
    const unknown = registry.sendTaskHeartbeat('token-never-issued');

    // Assess
    expect(unserializable).toEqual({ ok: false, error: 'InvalidOutput' });
    expect(first).toEqual({ ok: true });
    expect(late).toEqual({ ok: false, error: 'TaskTimedOut' });
    expect(unknown).toEqual({ ok: false, error: 'TaskDoesNotExist' });
  });

  it('fails a task with States.HeartbeatTimeout when heartbeats stop, and heartbeats keep it alive', async () => {
    // Prepare
    jest.useFakeTimers();
    const registry = new TaskTokenRegistry(sequentialTokens());
    const { taskToken, result } = registry.issue({ stateName: 'WaitForAck', executionName: 'e1', heartbeatMs: 1_000 });
    const settled = result.catch((error: Error) => error.name);

    // Act
    jest.advanceTimersByTime(900);
    const beat = registry.sendTaskHeartbeat(taskToken);
    jest.advanceTimersByTime(900);
    const stillPending = registry.pending().length;
    jest.advanceTimersByTime(200);

    // Assess
    expect(beat).toEqual({ ok: true });
    expect(stillPending).toBe(1);
    await expect(settled).resolves.toBe('States.HeartbeatTimeout');
  });

  it('refuses the token once its TimeoutSeconds have passed', () => {
    // Prepare
    jest.useFakeTimers();
    const registry = new TaskTokenRegistry(sequentialTokens());
    const { taskToken } = registry.issue({ stateName: 'WaitForAck', executionName: 'e1', timeoutMs: 5_000 });

    // Act
    jest.advanceTimersByTime(5_000);
    const late = registry.sendTaskSuccess(taskToken, {});

    // Assess
    expect(late).toEqual({ ok: false, error: 'TaskTimedOut' });
  });

  it('hands the next task of a state to a caller waiting for it', async () => {
    // Prepare
    const registry = new TaskTokenRegistry(sequentialTokens());
    const next = registry.nextTask('WaitForAck');

    // Act
    registry.issue({ stateName: 'Other', executionName: 'e1' });
    registry.issue({ stateName: 'WaitForAck', executionName: 'e1' });

    // Assess
    await expect(next).resolves.toEqual({ taskToken: 'token-2', stateName: 'WaitForAck', executionName: 'e1' });
  });

  it('closes and rejects the open tokens of an execution that ended, leaving other executions alone', async () => {
    // Prepare
    const registry = new TaskTokenRegistry(sequentialTokens());
    const ended = registry.issue({ stateName: 'A', executionName: 'e1' });
    registry.issue({ stateName: 'B', executionName: 'e2' });

    // Act
    registry.closeExecution('e1');

    // Assess
    await expect(ended.result).rejects.toHaveProperty('name', 'Local.ExecutionEnded');
    expect(registry.pending().map((task) => task.executionName)).toEqual(['e2']);
    expect(registry.sendTaskSuccess('token-1', {})).toEqual({ ok: false, error: 'TaskTimedOut' });
  });
});
