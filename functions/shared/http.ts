import type { APIGatewayProxyResult } from 'aws-lambda';
import type { FieldIssue } from '../../core/support/validation.js';

const JSON_HEADERS = {
  'content-type': 'application/json',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** A 4xx the handler chose to return; the error middleware maps it to its JSON body. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function errorBody(code: string, message: string, requestId: string | undefined, issues: FieldIssue[] = []) {
  return { error: { code, message, requestId, ...(issues.length > 0 ? { issues } : {}) } };
}
