import { taskHandler } from '../shared/task-handler.js';
import { scaleOutSteps } from './runtime.js';

/** OptimizeFlow task: solve one batch of sites under the round's fleet-cap terms (see scale-out.ts). */
export const handler = taskHandler(async (event: unknown) => scaleOutSteps().solveBatch(event));
