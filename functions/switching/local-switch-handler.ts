import { taskHandler } from '../shared/task-handler.js';
import { recordLocalSwitch } from './local-switch.js';
import { localSwitchRuntime } from './runtime.js';

/** Target of the IoT rule on `hcp/v1/sites/+/events` for `local-switch` events (async; failures go to its DLQ). */
export const handler = taskHandler(async (event: unknown) => recordLocalSwitch(event, localSwitchRuntime()));
