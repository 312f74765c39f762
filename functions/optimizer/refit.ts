import { taskHandler } from '../shared/task-handler.js';
import { optimizeSteps } from './runtime.js';

/** Scheduled every 6 hours: each market node's price-forecast fit from the stored history (see steps.ts `refit`). */
export const handler = taskHandler(async () => optimizeSteps().refit());
