import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';
import { ROUTE_BATCH, routePending } from './route.js';
import { routeRuntime } from './runtime.js';

/**
 * The router: woken by the table's stream when a job starts waiting (new or requeued) and every minute (jobs left
 * waiting for capacity). One at a time (reserved concurrency 1); a run routes up to ROUTE_BATCH jobs and runs again
 * while a full batch came back. The event itself carries nothing it needs.
 */
/** Batches one invocation routes at most; the stream or the next minute picks up the rest. */
const MAX_RUNS = 10;

export const handler = taskHandler(async () => {
  const deps = await routeRuntime();
  const totals = { assigned: 0, refused: 0, skipped: 0, waiting: 0 };
  for (let run = 0; run < MAX_RUNS; run += 1) {
    const summary = await routePending(deps);
    totals.assigned += summary.assigned;
    totals.refused += summary.refused;
    totals.skipped += summary.skipped;
    totals.waiting = summary.waitingForCapacity;
    // Less than a full batch was everything waiting; a batch that moved nothing will not move on a second look.
    if (summary.pending < ROUTE_BATCH || summary.assigned + summary.refused === 0) break;
  }
  metrics.addMetric('JobsRouted', MetricUnit.Count, totals.assigned);
  metrics.addMetric('JobsRefused', MetricUnit.Count, totals.refused);
  metrics.addMetric('JobsWaitingForCapacity', MetricUnit.Count, totals.waiting);
  return totals;
});
