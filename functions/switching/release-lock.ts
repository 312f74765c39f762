import { switchSteps } from './runtime.js';
import { taskHandler } from './task-handler.js';

/** SwitchFlow task: see steps.ts (`releaseLock`). */
export const handler = taskHandler(async (event: unknown) => switchSteps().releaseLock(event));
