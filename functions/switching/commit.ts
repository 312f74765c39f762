import { switchSteps } from './runtime.js';
import { taskHandler } from './task-handler.js';

/** SwitchFlow task: see steps.ts (`commit`). */
export const handler = taskHandler(async (event: unknown) => switchSteps().commit(event));
