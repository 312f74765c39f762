import { taskHandler } from '../shared/task-handler.js';
import { handleAck } from './acks.js';
import { ackRuntime } from './runtime.js';

/** Target of the IoT rule on `hcp/v1/sites/+/acks` (async invocation; failures go to the rule's DLQ). */
export const handler = taskHandler(async (event: unknown) => handleAck(event, ackRuntime()));
