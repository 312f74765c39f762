import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type {
  APIGatewayEventDefaultAuthorizerContext,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
} from 'aws-lambda';
import type { RateLimiter, ThrottleLimits } from '../../core/api/rate-limit.js';
import { errorBody, jsonResponse } from '../../functions/shared/http.js';
import { closeServer, listen } from './free-port.js';
import { createLambdaContext } from './lambda-context.js';
import { PLACEHOLDER_AWS } from './placeholder-aws.js';

/**
 * The local stand-in for API Gateway (REST, Lambda proxy integration): a node:http server that turns each request
 * into the APIGatewayProxyEvent the deployed handler receives and writes the handler's result back. Routes use API
 * Gateway's resource templates (`/v1/workloads/{id}`, `/{proxy+}`). Header names keep the case the client sent, as in
 * API Gateway, so handlers must read them case-insensitively there too.
 */

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface Route {
  readonly method: string;
  /** API Gateway resource template, e.g. `/v1/workloads/{id}`. */
  readonly resource: string;
  readonly handler: ProxyHandler;
  /** Skips the authorizer, like a method with authorization NONE. @default false */
  readonly public?: boolean;
}

export interface AuthorizerRequest {
  readonly method: string;
  readonly path: string;
  readonly resource: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * What a local authorizer decides; `context` becomes `requestContext.authorizer` as with a Lambda authorizer. `usage`
 * stands for the authorizer's `usageIdentifierKey`: the usage key whose plan throttles the call, with that plan's
 * limits (API Gateway looks them up from the key; locally the authorizer hands them over).
 */
export type AuthorizerDecision =
  | {
      readonly allow: true;
      readonly principalId: string;
      readonly context?: Record<string, string | number | boolean>;
      readonly usage?: { readonly key: string; readonly limits: ThrottleLimits };
    }
  | { readonly allow: false; readonly statusCode: 401 | 403; readonly message?: string };

export type LocalAuthorizer = (request: AuthorizerRequest) => AuthorizerDecision | Promise<AuthorizerDecision>;

export interface ApiAdapterOptions {
  readonly routes: readonly Route[];
  readonly authorizer?: LocalAuthorizer;
  /** @default 0, any free port */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 'v1' */
  readonly stage?: string;
  /** API Gateway's payload limit is 10 MB; ours is lower so a runaway client is noticed. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** Content types passed base64-encoded, as API Gateway's binaryMediaTypes. @default none: every body is text */
  readonly binaryMediaTypes?: readonly string[];
  /** Where a handler's thrown error goes. @default console.error */
  readonly onHandlerError?: (error: unknown, requestId: string) => void;
  /**
   * Throttles each usage key the authorizer names by its plan's limits, after the authorizer and before the handler,
   * as API Gateway's usage plans do: over the limit, 429 `throttled` with Retry-After. @default no throttling
   */
  readonly rateLimiter?: RateLimiter;
  /** Serve HTTPS with this key and certificate chain (PEM) instead of HTTP. @default plain HTTP */
  readonly tls?: { readonly key: string; readonly cert: string };
}

export interface RunningApiAdapter {
  /** e.g. `http://127.0.0.1:43121`, or `https://…` with `tls` */
  readonly url: string;
  stop(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** A client still sending past this is cut off rather than drained for a polite 413. */
const DRAIN_LIMIT_FACTOR = 16;

// ---------------------------------------------------------------------------------------------------------------
// Routing

export type RouteMatch =
  | { readonly kind: 'matched'; readonly route: Route; readonly pathParameters: Record<string, string> | null }
  | { readonly kind: 'method-not-allowed'; readonly allowed: string[] }
  | { readonly kind: 'not-found' };

interface CompiledTemplate {
  readonly pattern: RegExp;
  readonly names: string[];
  /** API Gateway prefers the route with more literal segments, then one without a greedy variable. */
  readonly literalSegments: number;
  readonly greedy: boolean;
}

function compileTemplate(resource: string): CompiledTemplate {
  const names: string[] = [];
  let literalSegments = 0;
  let greedy = false;
  const segments = resource
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const variable = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(segment);
      if (!variable) {
        literalSegments += 1;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      names.push(variable[1]!);
      if (variable[2]) greedy = true;
      return variable[2] ? '(.+)' : '([^/]+)';
    });
  return { pattern: new RegExp(`^/${segments.join('/')}$`), names, literalSegments, greedy };
}

const safeDecode = (value: string) => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

/** Finds the route for a request path (no query string); a trailing slash is ignored. */
export function matchRoute(routes: readonly Route[], method: string, path: string): RouteMatch {
  const normalized = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const candidates = routes
    .map((route) => ({ route, template: compileTemplate(route.resource) }))
    .map(({ route, template }) => ({ route, template, match: template.pattern.exec(normalized) }))
    .filter((candidate) => candidate.match !== null)
    .sort(
      (a, b) =>
        b.template.literalSegments - a.template.literalSegments ||
        Number(a.template.greedy) - Number(b.template.greedy),
    );
  if (candidates.length === 0) return { kind: 'not-found' };
  const best = candidates[0]!;
  const sameResource = candidates.filter((candidate) => candidate.route.resource === best.route.resource);
  const chosen = sameResource.find((candidate) => candidate.route.method.toUpperCase() === method.toUpperCase());
  if (!chosen) {
    return {
      kind: 'method-not-allowed',
      allowed: sameResource.map((candidate) => candidate.route.method.toUpperCase()),
    };
  }
  const pathParameters = Object.fromEntries(
    chosen.template.names.map((name, index) => [name, safeDecode(chosen.match![index + 1]!)]),
  );
  return { kind: 'matched', route: chosen.route, pathParameters: chosen.template.names.length ? pathParameters : null };
}

// ---------------------------------------------------------------------------------------------------------------
// Request → event

export interface RawRequest {
  readonly method: string;
  /** Path and query string as received, e.g. `/v1/workloads?tier=flex`. */
  readonly url: string;
  /** Alternating names and values, as node's `IncomingMessage.rawHeaders`. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
}

export interface ProxyEventOptions {
  readonly resource: string;
  readonly pathParameters: Record<string, string> | null;
  readonly requestId: string;
  readonly requestTimeEpochMs: number;
  /** @default 'v1' */
  readonly stage?: string;
  readonly authorizer?: APIGatewayEventDefaultAuthorizerContext;
  readonly binaryMediaTypes?: readonly string[];
}

function multiMap(pairs: Iterable<[string, string]>): Record<string, string[]> {
  // A Map, not a plain object: a client's `?constructor=1` or `__proto__` header must not meet Object.prototype.
  const grouped = new Map<string, string[]>();
  for (const [name, value] of pairs) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  return Object.fromEntries(grouped);
}

/** API Gateway's single-value maps keep the last value of a repeated name; null when there is none. */
function lastValues(multi: Record<string, string[]>): Record<string, string> | null {
  const entries = Object.entries(multi);
  return entries.length === 0 ? null : Object.fromEntries(entries.map(([name, values]) => [name, values.at(-1)!]));
}

function headerPairs(rawHeaders: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i]!, rawHeaders[i + 1]!]);
  return pairs;
}

function isBinary(contentType: string | undefined, binaryMediaTypes: readonly string[]): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return binaryMediaTypes.some((pattern) => {
    const [type, subtype] = pattern.toLowerCase().split('/');
    const [actualType, actualSubtype] = mediaType.split('/');
    return (type === '*' || type === actualType) && (subtype === '*' || subtype === actualSubtype);
  });
}

/** Builds the Lambda proxy event API Gateway (REST) would send for this request. */
export function toProxyEvent(request: RawRequest, options: ProxyEventOptions): APIGatewayProxyEvent {
  const url = new URL(request.url, 'http://localhost');
  const multiValueHeaders = multiMap(headerPairs(request.rawHeaders));
  const headers = lastValues(multiValueHeaders) ?? {};
  const multiValueQueryStringParameters = multiMap(url.searchParams.entries());
  const contentType = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  const binary = isBinary(contentType, options.binaryMediaTypes ?? []);
  const { accountId } = PLACEHOLDER_AWS;
  const stage = options.stage ?? 'v1';
  return {
    resource: options.resource,
    path: url.pathname,
    httpMethod: request.method.toUpperCase(),
    headers,
    multiValueHeaders,
    queryStringParameters: lastValues(multiValueQueryStringParameters),
    multiValueQueryStringParameters: Object.keys(multiValueQueryStringParameters).length
      ? multiValueQueryStringParameters
      : null,
    pathParameters: options.pathParameters,
    stageVariables: null,
    body: request.body.length === 0 ? null : request.body.toString(binary ? 'base64' : 'utf8'),
    isBase64Encoded: binary && request.body.length > 0,
    requestContext: {
      accountId,
      apiId: 'local',
      authorizer: options.authorizer,
      protocol: 'HTTP/1.1',
      httpMethod: request.method.toUpperCase(),
      path: url.pathname,
      stage,
      requestId: options.requestId,
      requestTimeEpoch: options.requestTimeEpochMs,
      resourceId: 'local',
      resourcePath: options.resource,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent: Object.entries(headers).find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null,
        userArn: null,
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Result → response

export interface HttpResponseParts {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** A handler result as the HTTP response API Gateway sends; a malformed result is API Gateway's 502. */
export function toHttpResponse(result: unknown, requestId: string): HttpResponseParts {
  const proxy = result as Partial<APIGatewayProxyResult> | null;
  if (!proxy || typeof proxy !== 'object' || !Number.isInteger(proxy.statusCode)) {
    return toHttpResponse(
      jsonResponse(502, errorBody('malformed-proxy-response', 'Malformed Lambda proxy response', requestId)),
      requestId,
    );
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(proxy.multiValueHeaders ?? {})) headers[name] = values.map(String);
  for (const [name, value] of Object.entries(proxy.headers ?? {})) {
    const existing = headers[name];
    headers[name] = Array.isArray(existing) ? [...new Set([...existing, String(value)])] : String(value);
  }
  headers['x-amzn-RequestId'] = requestId;
  const body = Buffer.from(proxy.body ?? '', proxy.isBase64Encoded ? 'base64' : 'utf8');
  return { statusCode: proxy.statusCode!, headers, body };
}

/** Writes a handler result to a node:http response. */
export function writeProxyResult(response: http.ServerResponse, result: unknown, requestId: string): void {
  const { statusCode, headers, body } = toHttpResponse(result, requestId);
  response.writeHead(statusCode, { ...headers, 'content-length': String(body.length) });
  response.end(body);
}

// ---------------------------------------------------------------------------------------------------------------
// Server

type BodyRead = { readonly ok: true; readonly body: Buffer } | { readonly ok: false };

/** Reads the body up to `limitBytes`; past it, drains the rest (so the client sees the 413) or cuts a runaway. */
function readBody(request: http.IncomingMessage, limitBytes: number): Promise<BodyRead> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    request.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length;
      if (receivedBytes <= limitBytes) chunks.push(chunk);
      else if (receivedBytes > limitBytes * DRAIN_LIMIT_FACTOR) request.destroy();
    });
    request.once('end', () =>
      resolve(receivedBytes <= limitBytes ? { ok: true, body: Buffer.concat(chunks) } : { ok: false }),
    );
    request.once('error', reject);
  });
}

async function handle(request: http.IncomingMessage, response: http.ServerResponse, options: ApiAdapterOptions) {
  const requestId = randomUUID();
  const requestTimeEpochMs = Date.now();
  const method = (request.method ?? 'GET').toUpperCase();
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const reply = (result: APIGatewayProxyResult) => writeProxyResult(response, result, requestId);

  const match = matchRoute(options.routes, method, path);
  if (match.kind === 'not-found') {
    request.resume();
    return reply(jsonResponse(404, errorBody('not-found', `no route for ${method} ${path}`, requestId)));
  }
  if (match.kind === 'method-not-allowed') {
    request.resume();
    return reply(
      jsonResponse(405, errorBody('method-not-allowed', `${method} is not allowed on ${path}`, requestId), {
        allow: match.allowed.join(', '),
      }),
    );
  }
  const limitBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const read = await readBody(request, limitBytes);
  if (!read.ok) {
    return reply(
      jsonResponse(
        413,
        errorBody('payload-too-large', `request body exceeds ${limitBytes} bytes`, requestId, [
          { field: 'body', rule: 'too_big', message: `at most ${limitBytes} bytes` },
        ]),
      ),
    );
  }
  const raw: RawRequest = {
    method,
    url: request.url ?? '/',
    rawHeaders: request.rawHeaders,
    body: read.body,
    sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
  };
  const { route, pathParameters } = match;
  let authorizer: APIGatewayEventDefaultAuthorizerContext;
  if (options.authorizer && !route.public) {
    const headers = Object.fromEntries(headerPairs(request.rawHeaders));
    const decision = await options.authorizer({ method, path, resource: route.resource, headers });
    if (!decision.allow) {
      const code = decision.statusCode === 401 ? 'unauthorized' : 'forbidden';
      return reply(jsonResponse(decision.statusCode, errorBody(code, decision.message ?? code, requestId)));
    }
    if (decision.usage && options.rateLimiter) {
      const taken = options.rateLimiter.take(decision.usage.key, decision.usage.limits);
      if (!taken.allowed) {
        return reply(
          jsonResponse(429, errorBody('throttled', 'Too Many Requests', requestId), {
            'retry-after': String(taken.retryAfterS),
          }),
        );
      }
    }
    authorizer = { principalId: decision.principalId, ...decision.context };
  }
  const event = toProxyEvent(raw, {
    resource: route.resource,
    pathParameters,
    requestId,
    requestTimeEpochMs,
    stage: options.stage,
    authorizer,
    binaryMediaTypes: options.binaryMediaTypes,
  });
  const functionName = `local-${method.toLowerCase()}${route.resource.replace(/[^A-Za-z0-9]+/g, '-')}`;
  try {
    reply(await route.handler(event, createLambdaContext({ functionName, awsRequestId: requestId })));
  } catch (error) {
    (options.onHandlerError ?? ((e, id) => console.error(`handler failed, request ${id}`, e)))(error, requestId);
    reply(jsonResponse(500, errorBody('internal', 'internal error', requestId)));
  }
}

export async function startApiAdapter(options: ApiAdapterOptions): Promise<RunningApiAdapter> {
  const host = options.host ?? '127.0.0.1';
  const onRequest = (request: http.IncomingMessage, response: http.ServerResponse) => {
    handle(request, response, options).catch((error: unknown) => {
      // Only the adapter itself can fail here (an authorizer throwing, a socket error): still answer in JSON.
      const requestId = randomUUID();
      console.error(`api adapter failed, request ${requestId}`, error);
      if (!response.headersSent) {
        writeProxyResult(response, jsonResponse(500, errorBody('internal', 'internal error', requestId)), requestId);
      }
    });
  };
  const server = options.tls ? https.createServer(options.tls, onRequest) : http.createServer(onRequest);
  const port = await listen(server, options.port ?? 0, host);
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}`,
    async stop() {
      server.closeIdleConnections();
      await closeServer(server);
    },
  };
}
