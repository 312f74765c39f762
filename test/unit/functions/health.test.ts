import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { ValidationError } from '../../../core/support/validation.js';
import { handler } from '../../../functions/api/health.js';
import { HttpError } from '../../../functions/shared/http.js';
import { toErrorResponse } from '../../../functions/shared/http-handler.js';

const context = { functionName: 'health', awsRequestId: 'req-1', getRemainingTimeInMillis: () => 1000 } as Context;

describe('health handler', () => {
  it('answers 200 with a JSON status and the stage', async () => {
    // Prepare
    const event = { httpMethod: 'GET', path: '/v1/health', requestContext: { stage: 'v1', requestId: 'r1' } };
    // Act
    const result = await handler(event as unknown as APIGatewayProxyEvent, context);
    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(result.body)).toMatchObject({ status: 'ok', stage: 'v1' });
  });
});

describe('error mapping', () => {
  it('maps a ValidationError to 400 naming the field', () => {
    const result = toErrorResponse(
      new ValidationError('workload', [{ field: 'tier', rule: 'invalid_value', message: 'bad tier' }]),
      'r1',
    );
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error.issues[0].field).toBe('tier');
  });

  it('maps an HttpError to its own status and code', () => {
    const result = toErrorResponse(new HttpError(422, 'idempotency-conflict', 'same key, other body'), 'r1');
    expect(result.statusCode).toBe(422);
    expect(JSON.parse(result.body).error.code).toBe('idempotency-conflict');
  });

  it('hides internals of an unexpected error behind a 500 with the request id', () => {
    const result = toErrorResponse(new Error('secret stack detail'), 'r9');
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('secret');
    expect(JSON.parse(result.body).error.requestId).toBe('r9');
  });
});
