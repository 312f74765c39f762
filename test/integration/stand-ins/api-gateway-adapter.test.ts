import type { APIGatewayProxyEvent } from 'aws-lambda';
import { handler as healthHandler } from '../../../functions/api/health.js';
import { jsonResponse } from '../../../functions/shared/http.js';
import {
  type ProxyHandler,
  type Route,
  type RunningApiAdapter,
  startApiAdapter,
} from '../../../sim/local/api-gateway-adapter.js';

/** Records the event it received and echoes the parts the tests look at. */
function recordingHandler() {
  const events: APIGatewayProxyEvent[] = [];
  const handler: ProxyHandler = async (event) => {
    events.push(event);
    return jsonResponse(200, { pathParameters: event.pathParameters, body: event.body });
  };
  return { events, handler };
}

const workload = recordingHandler();
const submitted = recordingHandler();
const failures: { error: unknown; requestId: string }[] = [];
const routes: Route[] = [
  { method: 'GET', resource: '/v1/health', handler: healthHandler, public: true },
  { method: 'GET', resource: '/v1/workloads/{id}', handler: workload.handler },
  { method: 'POST', resource: '/v1/workloads', handler: submitted.handler },
  {
    method: 'GET',
    resource: '/v1/boom',
    handler: async () => {
      throw new Error('kaboom');
    },
  },
];

let api: RunningApiAdapter;

beforeAll(async () => {
  api = await startApiAdapter({
    routes,
    authorizer: (request) =>
      request.headers.authorization === 'Bearer tenant-1'
        ? { allow: true, principalId: 'tenant-1', context: { tenantId: 't1', scopes: 'workloads:write' } }
        : { allow: false, statusCode: 401, message: 'missing or bad token' },
    onHandlerError: (error, requestId) => failures.push({ error, requestId }),
  });
});

afterAll(async () => {
  await api?.stop();
});

const authorized = { authorization: 'Bearer tenant-1' };

describe('API Gateway adapter over HTTP', () => {
  it('serves the health handler through a proxy event and returns its JSON', async () => {
    // Act
    const response = await fetch(`${api.url}/v1/health`);
    const body = await response.json();

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(body).toMatchObject({ status: 'ok', stage: 'v1' });
  });

  it('passes path parameters, repeated query strings and headers, and the authorizer context', async () => {
    // Act
    const response = await fetch(`${api.url}/v1/workloads/w%2042?tier=flex&tag=a&tag=b`, {
      headers: { ...authorized, 'x-trace': 'one' },
    });

    // Assess
    expect(response.status).toBe(200);
    const event = workload.events.at(-1)!;
    expect(event).toMatchObject({
      httpMethod: 'GET',
      resource: '/v1/workloads/{id}',
      path: '/v1/workloads/w%2042',
      pathParameters: { id: 'w 42' },
      queryStringParameters: { tier: 'flex', tag: 'b' },
      multiValueQueryStringParameters: { tier: ['flex'], tag: ['a', 'b'] },
      body: null,
      requestContext: {
        stage: 'v1',
        authorizer: { principalId: 'tenant-1', tenantId: 't1', scopes: 'workloads:write' },
        identity: { sourceIp: '127.0.0.1' },
      },
    });
    expect(event.headers['x-trace']).toBe('one');
    expect(response.headers.get('x-amzn-requestid')).toBe(event.requestContext.requestId);
  });

  it('passes a JSON body through as text', async () => {
    // Act
    const response = await fetch(`${api.url}/v1/workloads`, {
      method: 'POST',
      headers: { ...authorized, 'content-type': 'application/json' },
      body: JSON.stringify({ modelId: 'llama' }),
    });

    // Assess
    expect(response.status).toBe(200);
    expect(submitted.events.at(-1)).toMatchObject({ body: '{"modelId":"llama"}', isBase64Encoded: false });
  });

  it('refuses a request the authorizer rejects without calling the handler', async () => {
    // Prepare
    const before = workload.events.length;

    // Act
    const response = await fetch(`${api.url}/v1/workloads/w1`);

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(workload.events).toHaveLength(before);
  });

  it('answers 404 in JSON for an unknown route', async () => {
    // Act
    const response = await fetch(`${api.url}/v1/nothing-here`);

    // Assess
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not-found' } });
  });

  it('answers 405 in JSON with the allowed methods for a known route and the wrong method', async () => {
    // Act
    const response = await fetch(`${api.url}/v1/health`, { method: 'DELETE' });

    // Assess
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(await response.json()).toMatchObject({ error: { code: 'method-not-allowed' } });
  });

  it('answers 413 in JSON for a body over the 1 MiB default limit', async () => {
    // Prepare
    const before = submitted.events.length;

    // Act
    const response = await fetch(`${api.url}/v1/workloads`, {
      method: 'POST',
      headers: { ...authorized, 'content-type': 'text/plain' },
      body: 'x'.repeat(1024 * 1024 + 1),
    });

    // Assess
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'payload-too-large' } });
    expect(submitted.events).toHaveLength(before);
  });

  it('answers 500 in JSON with the request id when a handler throws, and reports the error', async () => {
    // Act
    const response = await fetch(`${api.url}/v1/boom`, { headers: authorized });
    const body = (await response.json()) as { error: { code: string; requestId: string } };

    // Assess
    expect(response.status).toBe(500);
    expect(body.error.code).toBe('internal');
    expect(failures.at(-1)).toMatchObject({ requestId: body.error.requestId, error: new Error('kaboom') });
  });
});
