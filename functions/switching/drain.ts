import { switchSteps } from './runtime.js';
import { taskHandler } from './task-handler.js';

/** SwitchFlow task: see steps.ts (`drain`). */
export const handler = taskHandler(async (event: unknown) => switchSteps().drain(event));
