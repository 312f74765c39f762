import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ValidationError } from '../../core/support/validation.js';
import { errorBody, HttpError, jsonResponse } from './http.js';
import { logger, metrics, tracer } from './powertools.js';

type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/**
 * Maps what a handler throws to a response: an HttpError or a ValidationError is the caller's fault (4xx naming the
 * field); anything else is ours (500, logged with the request id, no internals in the body).
 */
export function toErrorResponse(error: unknown, requestId: string | undefined): APIGatewayProxyResult {
  if (error instanceof HttpError) {
    return jsonResponse(error.statusCode, errorBody(error.code, error.message, requestId, error.issues));
  }
  if (error instanceof ValidationError) {
    return jsonResponse(400, errorBody('validation-failed', error.message, requestId, error.issues));
  }
  logger.error('unhandled error', { error: error as Error });
  return jsonResponse(500, errorBody('internal', 'internal error', requestId));
}

/** The one middy chain every API handler uses: Powertools context, tracing, metrics, and error mapping. */
export function httpHandler(handler: ProxyHandler) {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics))
    .use({
      onError: async (request) => {
        request.response = toErrorResponse(request.error, request.event?.requestContext?.requestId);
      },
    })
    .handler(handler);
}
