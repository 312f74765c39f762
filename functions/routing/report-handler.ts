import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { isRetryableReportError } from '../../core/routing/job-state.js';
import { logger, metrics } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';
import { applySiteReport } from './report.js';
import { reportRuntime } from './runtime.js';

/**
 * Target of the IoT rule on `hcp/v1/sites/+/job-reports` (only reports naming the site of their topic). A report that
 * is malformed, unknown, stale or conflicting changes nothing: it is logged with its reason and counted, not retried
 * (it would never succeed). A report that came before the router recorded its attempt `queued` (`not-yet-queued`) and
 * storage errors throw, so the async invocation retries (the router's commit follows its send within milliseconds)
 * and then dead-letters.
 */
export const handler = taskHandler(async (event: unknown) => {
  const outcome = await applySiteReport(await reportRuntime(), event);
  if (!outcome.ok && isRetryableReportError(outcome.error)) {
    throw new Error(`job report came early, retry: ${JSON.stringify(outcome.error)}`);
  }
  if (!outcome.ok) {
    logger.warn('job report refused', { error: outcome.error });
    metrics.addMetric('JobReportsRefused', MetricUnit.Count, 1);
  } else {
    metrics.addMetric(`JobReports_${outcome.effect}`, MetricUnit.Count, 1);
  }
  return outcome.ok ? outcome.effect : outcome.error.kind;
});
