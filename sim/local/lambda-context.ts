import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { PLACEHOLDER_AWS } from './placeholder-aws.js';

export interface LambdaContextOptions {
  readonly functionName: string;
  /** @default 30_000, API Gateway's integration limit */
  readonly timeoutMs?: number;
  /** @default a random UUID */
  readonly awsRequestId?: string;
}

/**
 * The Lambda `Context` a local invocation hands to a handler: enough for middy and Powertools (request id, function
 * name and ARN, remaining time), with the deprecated callback methods as no-ops.
 */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const { functionName, timeoutMs = 30_000, awsRequestId = randomUUID() } = options;
  const startedAtMs = Date.now();
  const { partition, region, accountId } = PLACEHOLDER_AWS;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:${partition}:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${awsRequestId}`,
    getRemainingTimeInMillis: () => Math.max(0, startedAtMs + timeoutMs - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
