import { taskHandler } from '../shared/task-handler.js';
import { ingestMarketSnapshot } from './ingest.js';
import { marketRuntime } from './runtime.js';

/** Scheduler target: ingest the market snapshot in force now (see ingest.ts). */
export const handler = taskHandler(async () => ingestMarketSnapshot(await marketRuntime()));
