import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { parseOrThrow } from '../../core/support/validation.js';
import { metrics } from '../shared/powertools.js';
import { taskHandler } from '../shared/task-handler.js';
import { runPartnerAttempt } from './run.js';
import { partnerRunRuntime } from './runtime.js';

const partnerJobSchema = z.object({
  jobId: z.string().min(1),
  tenantId: z.string().min(1),
  attempt: z.number().int().positive(),
  partnerId: z.string().min(1),
  modelId: z.string().min(1),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().positive(),
  deadline: z.iso.datetime({ offset: true }),
});

/**
 * The partner runner: invoked asynchronously by the router with one attempt, it calls the partner and records how it
 * ended (functions/partners/run.ts). An attempt the router has not recorded yet throws, so Lambda offers it again.
 */
export const handler = taskHandler(async (event: unknown) => {
  const job = parseOrThrow(partnerJobSchema, event, 'partner job');
  const outcome = await runPartnerAttempt(partnerRunRuntime(), job);
  if (outcome.kind === 'not-yet-queued') throw new Error(`job ${job.jobId} attempt ${job.attempt} not yet queued`);
  metrics.addMetric(`PartnerAttempts_${outcome.kind}`, MetricUnit.Count, 1);
  return outcome;
});
