import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { metrics } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';
import { partnerSweepRuntime } from './runtime.js';
import { sweepStrandedPartnerAttempts } from './sweep.js';

/** The scheduled sweep of stranded partner attempts (functions/partners/sweep.ts), every few minutes. */
export const handler = taskHandler(async () => {
  const swept = await sweepStrandedPartnerAttempts(partnerSweepRuntime());
  metrics.addMetric('PartnerAttemptsSwept', MetricUnit.Count, swept.length);
  return { swept: swept.length };
});
