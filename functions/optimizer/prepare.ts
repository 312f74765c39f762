import { taskHandler } from '../shared/task-handler.js';
import { scaleOutSteps } from './runtime.js';

/** OptimizeFlow task: pin the run's inputs and split the fleet into the Map's batches (see scale-out.ts). */
export const handler = taskHandler(async (event: unknown) => scaleOutSteps().prepare(event));
