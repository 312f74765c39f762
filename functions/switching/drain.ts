import { taskHandler } from '../shared/task-handler.js';
import { switchSteps } from './runtime.js';

/** SwitchFlow task: see steps.ts (`drain`). */
export const handler = taskHandler(async (event: unknown) => switchSteps().drain(event));
