import {
  type CfnTemplate,
  createStateMachineRunner,
  placeholderLambdaArn,
  TaskTokenRegistry,
} from '../../../sim/local/stepfunctions/index.js';

/** A template holding one state machine written by hand, as `Definition` (an object). */
const templateWith = (definition: object): CfnTemplate => ({
  Resources: {
    WorkFn: { Type: 'AWS::Lambda::Function' },
    FlowStateMachineABCD1234: { Type: 'AWS::StepFunctions::StateMachine', Properties: { Definition: definition } },
  },
});

const lambdaInvoke = (next: object) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: { 'Fn::GetAtt': ['WorkFn', 'Arn'] }, 'Payload.$': '$' },
  ...next,
});

describe('state machine runner', () => {
  it('gives a lambda:invoke handler the payload and wraps its result as the Invoke response', async () => {
    // Prepare
    const calls: { event: unknown; functionName: string }[] = [];
    const runner = createStateMachineRunner({
      template: templateWith({ StartAt: 'Work', States: { Work: lambdaInvoke({ End: true }) } }),
      logicalIdPrefix: 'Flow',
      taskHandlers: {
        Work: async (event, context) => {
          calls.push({ event, functionName: context.functionName });
          return { doubled: event.value * 2 };
        },
      },
    });

    // Act
    const result = await runner.start({ value: 21 }, { executionName: 'run-1' });

    // Assess
    expect(result).toEqual({
      executionName: 'run-1',
      status: 'SUCCEEDED',
      output: { ExecutedVersion: '$LATEST', Payload: { doubled: 42 }, StatusCode: 200 },
    });
    expect(calls).toEqual([{ event: { value: 21 }, functionName: 'WorkFn' }]);
  });

  it('gives a task with a bare function ARN its input and uses the result as is', async () => {
    // Prepare
    const runner = createStateMachineRunner({
      template: templateWith({
        StartAt: 'Work',
        States: { Work: { Type: 'Task', Resource: placeholderLambdaArn('WorkFn'), End: true } },
      }),
      logicalIdPrefix: 'Flow',
      taskHandlers: { Work: async (event) => ({ seen: event }) },
    });

    // Act
    const result = await runner.start({ a: 1 });

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { seen: { a: 1 } } });
  });

  it('reports a thrown handler error as a Lambda error that the Catch sees by its name', async () => {
    // Prepare
    class DeviceOffline extends Error {
      override name = 'DeviceOffline';
    }
    const runner = createStateMachineRunner({
      template: templateWith({
        StartAt: 'Work',
        States: {
          Work: lambdaInvoke({
            Catch: [{ ErrorEquals: ['DeviceOffline'], ResultPath: '$.error', Next: 'Caught' }],
            End: true,
          }),
          Caught: { Type: 'Pass', End: true },
        },
      }),
      logicalIdPrefix: 'Flow',
      taskHandlers: {
        Work: async () => {
          throw new DeviceOffline('asic-7 did not answer');
        },
      },
    });

    // Act
    const result = await runner.start({});

    // Assess
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: {
        error: {
          Error: 'DeviceOffline',
          Cause: JSON.stringify({ errorType: 'DeviceOffline', errorMessage: 'asic-7 did not answer' }),
        },
      },
    });
  });

  it('ends FAILED with the Fail state error and cause', async () => {
    // Prepare
    const runner = createStateMachineRunner({
      template: templateWith({ StartAt: 'No', States: { No: { Type: 'Fail', Error: 'Nope', Cause: 'because' } } }),
      logicalIdPrefix: 'Flow',
    });

    // Act
    const result = await runner.start({});

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'Nope', cause: 'because' });
  });

  it('refuses to build when a Task state has no local binding, or a binding names no Task state', () => {
    // Act
    const build = () =>
      createStateMachineRunner({
        template: templateWith({ StartAt: 'Work', States: { Work: lambdaInvoke({ End: true }) } }),
        logicalIdPrefix: 'Flow',
        taskHandlers: { Wrok: async () => ({}) },
      });

    // Assess
    expect(build).toThrow(/state 'Work' .* needs taskHandlers/);
    expect(build).toThrow(/'Wrok', which is not a Task state/);
  });

  it('shortens a Wait state by its override', async () => {
    // Prepare
    const runner = createStateMachineRunner({
      template: templateWith({ StartAt: 'Sleep', States: { Sleep: { Type: 'Wait', Seconds: 3600, End: true } } }),
      logicalIdPrefix: 'Flow',
      waitTimeOverrides: { Sleep: 0 },
    });

    // Act
    const result = await runner.start({ slept: true });

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { slept: true } });
  });

  it('fills the task token into a token task inside a Parallel branch and resumes with the sent output', async () => {
    // Prepare
    const registry = new TaskTokenRegistry(() => 'token-1');
    const delivered: unknown[] = [];
    const runner = createStateMachineRunner({
      template: templateWith({
        StartAt: 'Fan',
        States: {
          Fan: {
            Type: 'Parallel',
            End: true,
            Branches: [
              {
                StartAt: 'Notify',
                States: {
                  Notify: {
                    Type: 'Task',
                    Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
                    Parameters: {
                      QueueUrl: 'local',
                      MessageBody: { 'token.$': '$$.Task.Token', 'note.$': "States.Format('t={}', $$.Task.Token)" },
                    },
                    TimeoutSeconds: 30,
                    End: true,
                  },
                },
              },
            ],
          },
        },
      }),
      logicalIdPrefix: 'Flow',
      registry,
      tokenTasks: {
        Notify: (parameters, task) => {
          delivered.push(parameters);
          setImmediate(() => registry.sendTaskSuccess(task.taskToken, { answered: true }));
        },
      },
    });

    // Act
    const result = await runner.start({});

    // Assess
    expect(delivered).toEqual([{ QueueUrl: 'local', MessageBody: { token: 'token-1', note: 't=token-1' } }]);
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: [{ answered: true }] });
  });

  it('gives a token task without TimeoutSeconds the longest wait instead of the library 60 s', () => {
    // Act
    const runner = createStateMachineRunner({
      template: templateWith({
        StartAt: 'Wait',
        States: { Wait: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', End: true } },
      }),
      logicalIdPrefix: 'Flow',
      tokenTasks: { Wait: () => undefined },
    });

    // Assess
    expect(runner.definition.States.Wait).toMatchObject({ TimeoutSeconds: 2_147_483 });
  });

  it('ends ABORTED when the caller aborts', async () => {
    // Prepare
    const controller = new AbortController();
    const runner = createStateMachineRunner({
      template: templateWith({
        StartAt: 'Wait',
        States: { Wait: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', End: true } },
      }),
      logicalIdPrefix: 'Flow',
      tokenTasks: { Wait: () => controller.abort() },
    });

    // Act
    const result = await runner.start({}, { signal: controller.signal });

    // Assess
    expect(result.status).toBe('ABORTED');
    expect(runner.registry.pending()).toEqual([]);
  });
});
