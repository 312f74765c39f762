import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger, metrics, tracer } from './powertools.js';

/**
 * The middy chain of a non-HTTP Lambda (a state-machine task, an IoT rule or scheduler target): Powertools context,
 * tracing and metrics around one call into a use case. Errors propagate: the caller (Step Functions Retry/Catch, the
 * async invocation's retries and DLQ) decides what a failure means.
 */
export function taskHandler<E, R>(handler: (event: E, context: Context) => Promise<R>) {
  return middy<E, R>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics))
    .handler(handler);
}
