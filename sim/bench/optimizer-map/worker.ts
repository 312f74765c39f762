import { parentPort, workerData } from 'node:worker_threads';
import type { Fleet } from '../../../core/model/site.js';
import { createDocumentClient } from '../../../functions/shared/data/client.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/dynamodb-local.js';
import { benchOptimizeSteps } from './wiring.js';

/**
 * One worker of the bench's pool: what the SolveSiteBatch Lambda does, on its own thread (its own HiGHS instance, its
 * own DynamoDB client), so two batches solve at once on two cores.
 */
const { endpoint, tableName, fleet } = workerData as { endpoint: string; tableName: string; fleet: Fleet };
const client = createDocumentClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
const { scaleOut } = benchOptimizeSteps({ client, tableName, fleet });

parentPort!.on('message', async (message: { id: number; event: unknown }) => {
  const started = performance.now();
  try {
    const result = await scaleOut.solveBatch(message.event);
    parentPort!.postMessage({ id: message.id, result, invocationMs: performance.now() - started });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: String(error) });
  }
});
