import { taskHandler } from '../shared/task-handler.js';
import { optimizeSteps } from './runtime.js';

/** OptimizeFlow task: forecast and solve into a plan draft (see steps.ts). */
export const handler = taskHandler(async (event: unknown) => optimizeSteps().solve(event));
