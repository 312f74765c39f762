import fc from 'fast-check';
import {
  matchRoute,
  type ProxyHandler,
  type RawRequest,
  type Route,
  toHttpResponse,
  toProxyEvent,
} from '../../../sim/local/api-gateway-adapter.js';

const handler: ProxyHandler = async () => ({ statusCode: 204, body: '' });
const route = (method: string, resource: string): Route => ({ method, resource, handler });

const request = (overrides: Partial<RawRequest> = {}): RawRequest => ({
  method: 'get',
  url: '/v1/workloads/w1?tier=flex&tag=a&tag=b',
  rawHeaders: ['Host', 'localhost', 'X-Tag', 'one', 'X-Tag', 'two', 'User-Agent', 'test-agent'],
  body: Buffer.alloc(0),
  sourceIp: '10.0.0.7',
  ...overrides,
});

const eventOptions = {
  resource: '/v1/workloads/{id}',
  pathParameters: { id: 'w1' },
  requestId: 'req-1',
  requestTimeEpochMs: 1_736_942_400_000,
};

describe('toProxyEvent', () => {
  it('builds the REST proxy event with single and multi-value headers and query strings', () => {
    // Act
    const event = toProxyEvent(request(), eventOptions);

    // Assess
    expect(event).toMatchObject({
      httpMethod: 'GET',
      resource: '/v1/workloads/{id}',
      path: '/v1/workloads/w1',
      pathParameters: { id: 'w1' },
      headers: { Host: 'localhost', 'X-Tag': 'two', 'User-Agent': 'test-agent' },
      multiValueHeaders: { Host: ['localhost'], 'X-Tag': ['one', 'two'], 'User-Agent': ['test-agent'] },
      queryStringParameters: { tier: 'flex', tag: 'b' },
      multiValueQueryStringParameters: { tier: ['flex'], tag: ['a', 'b'] },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
      requestContext: {
        requestId: 'req-1',
        stage: 'v1',
        httpMethod: 'GET',
        resourcePath: '/v1/workloads/{id}',
        requestTimeEpoch: 1_736_942_400_000,
        identity: { sourceIp: '10.0.0.7', userAgent: 'test-agent' },
      },
    });
  });

  it('keeps query and header names that are Object.prototype members as plain values', () => {
    // Act
    const event = toProxyEvent(
      request({
        url: '/v1/x?constructor=1&__proto__=2&toString=3',
        rawHeaders: ['constructor', 'c', '__proto__', 'p'],
      }),
      eventOptions,
    );

    // Assess
    expect(Object.entries(event.queryStringParameters ?? {})).toEqual([
      ['constructor', '1'],
      ['__proto__', '2'],
      ['toString', '3'],
    ]);
    expect(Object.entries(event.multiValueHeaders)).toEqual([
      ['constructor', ['c']],
      ['__proto__', ['p']],
    ]);
  });

  it('gives null query string maps when there is no query string', () => {
    // Act
    const event = toProxyEvent(request({ url: '/v1/health' }), { ...eventOptions, pathParameters: null });

    // Assess
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.pathParameters).toBeNull();
  });

  it('passes a text body as UTF-8 and a binary media type as base64', () => {
    // Prepare
    const bytes = Buffer.from([0xff, 0x00, 0x7f]);

    // Act
    const text = toProxyEvent(request({ body: Buffer.from('{"a":"é"}') }), eventOptions);
    const binary = toProxyEvent(request({ body: bytes, rawHeaders: ['Content-Type', 'application/octet-stream'] }), {
      ...eventOptions,
      binaryMediaTypes: ['application/*'],
    });

    // Assess
    expect(text).toMatchObject({ body: '{"a":"é"}', isBase64Encoded: false });
    expect(binary).toMatchObject({ body: bytes.toString('base64'), isBase64Encoded: true });
  });

  it('carries the authorizer context into requestContext.authorizer', () => {
    // Act
    const event = toProxyEvent(request(), { ...eventOptions, authorizer: { principalId: 'tenant-1', tenantId: 't1' } });

    // Assess
    expect(event.requestContext.authorizer).toEqual({ principalId: 'tenant-1', tenantId: 't1' });
  });
});

describe('matchRoute', () => {
  const routes = [
    route('GET', '/v1/workloads/{id}'),
    route('DELETE', '/v1/workloads/{id}'),
    route('GET', '/v1/workloads/summary'),
    route('GET', '/v1/files/{path+}'),
  ];

  it('prefers a literal segment over a path variable', () => {
    // Act
    const match = matchRoute(routes, 'GET', '/v1/workloads/summary');

    // Assess
    expect(match).toMatchObject({
      kind: 'matched',
      route: { resource: '/v1/workloads/summary' },
      pathParameters: null,
    });
  });

  it('captures a greedy variable across segments and ignores a trailing slash', () => {
    // Act
    const match = matchRoute(routes, 'GET', '/v1/files/a/b/c.json/');

    // Assess
    expect(match).toMatchObject({ kind: 'matched', pathParameters: { path: 'a/b/c.json' } });
  });

  it('lists the allowed methods when the path matches but the method does not', () => {
    // Act
    const match = matchRoute(routes, 'POST', '/v1/workloads/w1');

    // Assess
    expect(match).toEqual({ kind: 'method-not-allowed', allowed: ['GET', 'DELETE'] });
  });

  it('finds nothing for an unknown path', () => {
    // Act
    const match = matchRoute(routes, 'GET', '/v2/workloads/w1');

    // Assess
    expect(match).toEqual({ kind: 'not-found' });
  });

  it('decodes any percent-encoded path parameter back to the id the client encoded', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (id) => {
        // Act
        const match = matchRoute(routes, 'GET', `/v1/workloads/${encodeURIComponent(id)}`);

        // Assess
        const expected = id === 'summary' ? null : { id };
        return match.kind === 'matched' && JSON.stringify(match.pathParameters) === JSON.stringify(expected);
      }),
    );
  });
});

describe('toHttpResponse', () => {
  it('merges single and multi-value headers, adds the request id and decodes a base64 body', () => {
    // Act
    const response = toHttpResponse(
      {
        statusCode: 201,
        headers: { 'content-type': 'image/png' },
        multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
        body: Buffer.from([1, 2, 3]).toString('base64'),
        isBase64Encoded: true,
      },
      'req-9',
    );

    // Assess
    expect(response).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'image/png', 'set-cookie': ['a=1', 'b=2'], 'x-amzn-RequestId': 'req-9' },
      body: Buffer.from([1, 2, 3]),
    });
  });

  it('answers 502 in JSON for a result that is not a proxy response, as API Gateway does', () => {
    // Act
    const response = toHttpResponse({ body: 'no status code' }, 'req-9');

    // Assess
    expect(response.statusCode).toBe(502);
    expect(JSON.parse(response.body.toString())).toMatchObject({
      error: { code: 'malformed-proxy-response', requestId: 'req-9' },
    });
  });
});
