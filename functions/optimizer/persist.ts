import { taskHandler } from '../shared/task-handler.js';
import { optimizeSteps } from './runtime.js';

/** OptimizeFlow task: save the draft as the next plan version and list the sites to switch (see steps.ts). */
export const handler = taskHandler(async (event: unknown) => optimizeSteps().persist(event));
