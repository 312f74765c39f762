import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import type { AuditEvent } from '../../core/api/audit.js';
import { type CursorPosition, decodeCursor } from '../../core/api/pagination.js';
import type { Principal, Role } from '../../core/api/principal.js';
import { duplicateJsonKey } from '../../core/support/json-keys.js';
import { type FieldIssue, toFieldIssues } from '../../core/support/validation.js';
import { type AuditOutbox, auditOutbox, outboxCommitted, recordAudit } from '../shared/data/audit-log.js';
import { HttpError } from '../shared/http.js';
import { httpHandler } from '../shared/http-handler.js';
import { requireRole } from '../shared/principal.js';
import { type ApiRuntime, apiRuntime } from './runtime.js';

/**
 * The request as an API handler sees it: the verified principal (role already checked), the runtime, and helpers
 * that turn bad input into a 4xx naming the field. Handlers stay a few lines: parse, one store or core call, respond.
 */
export interface ApiRequest {
  readonly event: APIGatewayProxyEvent;
  readonly principal: Principal;
  readonly requestId: string;
  readonly runtime: ApiRuntime;
}

/** Bodies larger than this are refused before parsing; every request body of this API is far smaller. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A handler for `roles`: requireRole first (403), then `fn`; errors map to JSON 4xx/5xx in httpHandler. */
export function apiHandler(
  roles: readonly Role[],
  fn: (request: ApiRequest) => Promise<APIGatewayProxyResult>,
  runtime: () => ApiRuntime = apiRuntime,
) {
  return httpHandler(async (event) => {
    const principal = requireRole(event, roles);
    return fn({ event, principal, requestId: event.requestContext?.requestId ?? 'unknown', runtime: runtime() });
  });
}

/**
 * A tenant route's handler (#23 item 5): as apiHandler, but every table request goes through a client held to the
 * caller's tenant (and its audit chain) by tenant-scope.ts. A handler that acts on another tenant (an admin managing a
 * customer's webhook) moves the scope with `scopeRequest`. The route's Lambda has no table access of its own.
 */
export function tenantApiHandler(
  roles: readonly Role[],
  fn: (request: ApiRequest) => Promise<APIGatewayProxyResult>,
  runtime: () => ApiRuntime = apiRuntime,
) {
  const handler = apiHandler(
    roles,
    async (request) => fn(await scopeRequest(request, request.principal.tenantId)),
    runtime,
  );
  // Read by the test that holds the route table's `tenantScoped` (which decides the Lambda's grants) to the handlers.
  return Object.assign(handler, { tenantScoped: true as const });
}

/** The request with its runtime held to `tenantId`'s data, its audit events going to the caller's chain. */
export async function scopeRequest(request: ApiRequest, tenantId: string): Promise<ApiRequest> {
  const scope = { tenantId, auditChain: request.principal.tenantId };
  const { runtime } = request;
  if (runtime.scope?.tenantId === scope.tenantId && runtime.scope.auditChain === scope.auditChain) return request;
  return { ...request, runtime: await runtime.forScope(scope) };
}

const invalid = (location: string, issues: FieldIssue[]) =>
  new HttpError(
    400,
    'validation-failed',
    `invalid ${location}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
    issues,
  );

function parseWithLocation<S extends z.ZodType>(schema: S, value: unknown, location: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid(location, toFieldIssues(parsed.error));
  return parsed.data;
}

/** The JSON body, validated: malformed JSON, a wrong content type or an oversized body are 4xx too. */
export function parseBody<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.infer<S> {
  const text =
    event.body == null ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new HttpError(413, 'payload-too-large', `body exceeds ${MAX_BODY_BYTES} bytes`, [
      { field: 'body', rule: 'too_big', message: `at most ${MAX_BODY_BYTES} bytes` },
    ]);
  }
  const contentType = header(event, 'content-type');
  // A body without a type is refused too (docs/API.md): a client that forgot the header may not be sending JSON.
  const json = contentType !== undefined && /^application\/([\w.+-]+\+)?json\b/i.test(contentType);
  if (text !== '' && !json) {
    throw new HttpError(
      415,
      'unsupported-media-type',
      `content-type must be application/json, not ${contentType ?? 'absent'}`,
      [{ field: 'content-type', rule: 'invalid_value', message: 'application/json' }],
    );
  }
  let value: unknown;
  try {
    value = text === '' ? undefined : JSON.parse(text);
  } catch (error) {
    throw invalid('body', [{ field: 'body', rule: 'invalid_json', message: (error as Error).message }]);
  }
  if (value === undefined)
    throw invalid('body', [{ field: 'body', rule: 'required', message: 'a JSON body is required' }]);
  const duplicate = duplicateJsonKey(text);
  if (duplicate) throw invalid('body', [{ field: duplicate, rule: 'duplicate_key', message: 'given more than once' }]);
  return parseWithLocation(schema, value, 'body');
}

/** The query, validated; a parameter given twice (`limit=1&limit=2`) is refused rather than one of them picked. */
export function parseQuery<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.infer<S> {
  const repeated = Object.entries(event.multiValueQueryStringParameters ?? {})
    .filter(([, values]) => (values?.length ?? 0) > 1)
    .map(([field]) => ({ field, rule: 'repeated', message: 'given more than once' }));
  if (repeated.length > 0) throw invalid('query', repeated);
  return parseWithLocation(schema, event.queryStringParameters ?? {}, 'query');
}

export const parsePath = <S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.infer<S> =>
  parseWithLocation(schema, event.pathParameters ?? {}, 'path');

/** A header by name, case-insensitively (API Gateway keeps the case the client sent). */
export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted)?.[1] ?? undefined;
}

/** A required header, validated; missing or malformed is a 400 naming it. */
export function parseHeader<S extends z.ZodType>(event: APIGatewayProxyEvent, name: string, schema: S): z.infer<S> {
  const value = header(event, name);
  if (value === undefined)
    throw invalid('headers', [{ field: name, rule: 'required', message: `header ${name} is required` }]);
  return parseHeaderValue(name, value, schema);
}

/** 422: an Idempotency-Key sent again with a different body (or, for a route keyed on more, a different request). */
export const idempotencyConflict = (what: 'body' | 'request') =>
  new HttpError(422, 'idempotency-conflict', `this Idempotency-Key was used with a different ${what}`, [
    { field: 'Idempotency-Key', rule: 'reused_with_different_body', message: 'use a new key for a new request' },
  ]);

/** An optional header: undefined when absent, else parsed as `parseHeader` does. */
export function parseOptionalHeader<S extends z.ZodType>(
  event: APIGatewayProxyEvent,
  name: string,
  schema: S,
): z.infer<S> | undefined {
  const value = header(event, name);
  return value === undefined ? undefined : parseHeaderValue(name, value, schema);
}

function parseHeaderValue<S extends z.ZodType>(name: string, value: string, schema: S): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw invalid(
      'headers',
      toFieldIssues(parsed.error).map((issue) => ({ ...issue, field: name })),
    );
  return parsed.data;
}

/** A decoded cursor, or a 400 naming `cursor` when the client sent something that is not one of ours. */
export function parseCursor(cursor: string | undefined, fields: readonly string[]): CursorPosition | undefined {
  if (cursor === undefined) return undefined;
  const position = decodeCursor(cursor, fields);
  if (!position)
    throw invalid('query', [{ field: 'cursor', rule: 'invalid_cursor', message: 'not a cursor from this listing' }]);
  return position;
}

/**
 * A page read that starts at the client's cursor. A cursor holds sort-key values, so a forged one that decodes (an
 * empty key, one outside the listing's range, one over DynamoDB's key size) makes DynamoDB refuse the start key with a
 * ValidationException: that is the client's 400 naming `cursor`, not our 500. Without a cursor, any error stays ours.
 */
export async function readPage<T>(after: CursorPosition | undefined, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (after !== undefined && isStartKeyRefusal(error)) {
      throw invalid('query', [{ field: 'cursor', rule: 'invalid_cursor', message: 'not a cursor from this listing' }]);
    }
    throw error;
  }
}

const isStartKeyRefusal = (error: unknown) =>
  error instanceof Error &&
  error.name === 'ValidationException' &&
  /starting key|start key|ExclusiveStartKey/i.test(error.message);

export const notFound = (what: string, id: string) => new HttpError(404, 'not-found', `${what} ${id} not found`);

const auditEvent = (request: ApiRequest, action: string, target: string, detail?: AuditEvent['detail']) => ({
  actor: request.principal.principalId,
  tenantId: request.principal.tenantId,
  action,
  target,
  requestId: request.requestId,
  ...(detail ? { detail } : {}),
});

/** Records the audit event of a mutating call made by this request's principal (one write, after the mutation). */
export async function audit(request: ApiRequest, action: string, target: string, detail?: AuditEvent['detail']) {
  await recordAudit(request.runtime.audit, auditEvent(request, action, target, detail));
}

/**
 * The audit event of a mutating call as outbox writes for the mutation's own transaction: the event is stored exactly
 * when the mutation is. Call `auditCommitted` once the transaction committed.
 */
export function auditWrites(
  request: ApiRequest,
  action: string,
  target: string,
  detail?: AuditEvent['detail'],
): AuditOutbox {
  return auditOutbox(request.runtime.audit, auditEvent(request, action, target, detail));
}

export const auditCommitted = (request: ApiRequest, outbox: AuditOutbox) =>
  outboxCommitted(request.runtime.audit, outbox);

export const nowIso = (request: ApiRequest) => new Date(request.runtime.clock.nowMs()).toISOString();
