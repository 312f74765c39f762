import { taskHandler } from '../shared/task-handler.js';
import { scaleOutSteps } from './runtime.js';

/** OptimizeFlow task: check the fleet cap after a round; next round's terms or the plan draft (see scale-out.ts). */
export const handler = taskHandler(async (event: unknown) => scaleOutSteps().coordinate(event));
