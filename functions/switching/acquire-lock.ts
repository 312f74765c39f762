import { switchSteps } from './runtime.js';
import { taskHandler } from './task-handler.js';

/** SwitchFlow task: see steps.ts (`acquireLock`). */
export const handler = taskHandler(async (event: unknown) => switchSteps().acquireLock(event));
