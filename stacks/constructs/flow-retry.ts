import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { aslRetrier, type BackoffPolicy } from '../../core/switching/backoff.js';

/**
 * Retries of a flow's task: exponential backoff with full jitter (Step Functions draws the jitter) and a cap, from the
 * same policy object the pure backoff in core/switching uses. Errors in `noRetry` are the caller's fault or a
 * definite answer and go straight to the Catch.
 */
export function addJitteredRetry(
  task: sfn.TaskStateBase,
  policy: BackoffPolicy,
  options: { readonly errors?: string[]; readonly noRetry?: string[] } = {},
): void {
  if (options.noRetry?.length) task.addRetry({ errors: options.noRetry, maxAttempts: 0 });
  const retrier = aslRetrier(policy);
  task.addRetry({
    errors: options.errors ?? [sfn.Errors.ALL],
    interval: Duration.seconds(retrier.intervalSeconds),
    backoffRate: retrier.backoffRate,
    maxDelay: Duration.seconds(retrier.maxDelaySeconds),
    maxAttempts: retrier.maxAttempts,
    jitterStrategy: sfn.JitterType.FULL,
  });
}
