import { taskHandler } from '../shared/task-handler.js';
import { switchSteps } from './runtime.js';

/** SwitchFlow task: see steps.ts (`resyncSequence`). */
export const handler = taskHandler(async (event: unknown) => switchSteps().resyncSequence(event));
