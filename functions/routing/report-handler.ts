import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logger, metrics } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';
import { applySiteReport } from './report.js';
import { reportRuntime } from './runtime.js';

/**
 * Target of the IoT rule on `hcp/v1/sites/+/job-reports` (only reports naming the site of their topic). A report that
 * is malformed, unknown, stale or conflicting changes nothing: it is logged with its reason and counted, not retried
 * (it would never succeed). Storage errors throw, so the async invocation retries and then dead-letters.
 */
export const handler = taskHandler(async (event: unknown) => {
  const outcome = await applySiteReport(reportRuntime(), event);
  if (!outcome.ok) {
    logger.warn('job report refused', { error: outcome.error });
    metrics.addMetric('JobReportsRefused', MetricUnit.Count, 1);
  } else {
    metrics.addMetric(`JobReports_${outcome.effect}`, MetricUnit.Count, 1);
  }
  return outcome.ok ? outcome.effect : outcome.error.kind;
});
