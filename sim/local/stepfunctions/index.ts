export {
  createStateMachineRunner,
  type ExecutionResult,
  type ExecutionStatus,
  type LocalTaskHandler,
  type StartOptions,
  type StateMachineRunner,
  type StateMachineRunnerOptions,
  type TokenTaskCallback,
  type TokenTaskInvocation,
} from './runner.js';
export {
  type PendingTask,
  TaskFailure,
  type TaskTokenOutcome,
  TaskTokenRegistry,
} from './task-token-registry.js';
export {
  type CfnTemplate,
  extractAsl,
  findStateMachine,
  PLACEHOLDER_AWS,
  placeholderLambdaArn,
  resolveIntrinsics,
  TemplateError,
} from './template-asl.js';
