import fc from 'fast-check';
import { encodeCursor } from '../../../core/api/pagination.js';
import type { ApiRoute } from '../../../functions/api/route.js';
import type { RawRequest } from './api-client.js';
import { fieldNames, fillPath, percentEncode, queryString, type RequestParts, toRawRequest } from './api-routes.js';

/**
 * Malformed requests made from a route's valid example: one part of it (a body field, a query parameter, a path
 * parameter, a header, the whole body) replaced by something hostile. Each mutation names the fields a 400 for it
 * must name, so the suite checks that a rejection points at the cause.
 */
export interface Mutation {
  readonly label: string;
  readonly request: RawRequest;
  /** A 400/422 must name one of these fields (or a field below one). */
  readonly blame: readonly string[];
}

/** Hand-picked hostile strings: encodings, control characters, bidi, surrogates, injections, number look-alikes. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'abc\udfff',
  '\udc00\ud800',
  '\u202eevil.exe',
  '\u200b',
  '\ufeff',
  'e\u0301',
  '١٢٣',
  'שלום',
  '😀'.repeat(64),
  '𝕏'.repeat(200),
  'x'.repeat(129),
  'x'.repeat(5000),
  '../../etc/passwd',
  '..%2F..%2F',
  '%00',
  '<script>alert(1)</script>',
  "' OR '1'='1",
  '{"$ne":null}',
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e308',
  '9007199254740993',
  '-1',
  '0x10',
  'null',
  'true',
  '[]',
  '{}',
  '2026-02-30T00:00:00Z',
  '99999-01-01T00:00:00Z',
];

const BOUNDARY_NUMBERS = [
  0,
  -0,
  -1,
  0.5,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  Number.MIN_VALUE,
  2 ** 31,
  -(2 ** 63),
  10_000_001,
];

export const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

const nastyNumber = fc.oneof(
  fc.constantFrom(...BOUNDARY_NUMBERS),
  fc.double(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
);

/** Large enough to pass the adapter's 1 MiB limit but be refused by the handler's 64 KiB one, or both. */
const hugeValue = fc.constantFrom(
  () => 'x'.repeat(100_000),
  () => Array.from({ length: 30_000 }, (_, i) => i),
  () => Array.from({ length: 500 }, () => ({ a: 'b' })),
  () => deepNest(2_000),
);

function deepNest(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

/** Any JSON value of the wrong sort for a field: hostile strings, boundary numbers, booleans, null, containers. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyString },
  { weight: 3, arbitrary: nastyNumber },
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(nastyString, nastyNumber), { maxLength: 5 }),
  fc.dictionary(nastyString, nastyString, { maxKeys: 3 }),
  hugeValue.map((make) => make()),
);

/** Bodies that are not the JSON object a route wants. */
const malformedBody = fc.oneof(
  fc.constantFrom('{', '{"a":', '[1,2', '{"a":1,}', "{'a':1}", 'undefined', 'NaN', '\u0000', '\ud800', '{}}'),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** The fields of the listings' cursors (workloads, audit: sk; tenants: tenantId; plans: beforeVersion). */
const CURSOR_FIELDS = ['sk', 'gsi1sk', 'tenantId', 'beforeVersion'];

/** Query fragments appended as they are, not encoded: broken escapes, repeats, empty names. */
const rawQueryFragment = fc.constantFrom(
  'limit=%ZZ',
  'limit=1&limit=1000',
  '=',
  '&&&',
  'a[b]=c',
  '%00=%00',
  'limit',
  'cursor=%F0%9F%98%80',
  'tenantId[]=x',
  'constructor=1',
  '__proto__=1',
);

/** Path segments sent as they are: traversal, encoded slashes, broken escapes, huge ids. */
const rawPathSegment = fc.constantFrom(
  '..',
  '.',
  '%2e%2e',
  '..%2F..%2Fetc%2Fpasswd',
  '%2F',
  'a%2Fb',
  '%00',
  '%ZZ',
  '%ED%A0%80',
  '%F0%9F%98%80',
  '%20',
  ';',
  '*',
  'x'.repeat(129),
  'x'.repeat(6000),
);

const nastyHeaderValue = fc.constantFrom(
  '',
  ' ',
  'x'.repeat(129),
  'has space',
  '\té',
  'é',
  'ÿÿÿ',
  'a,b',
  '"quoted"',
  '\u00a0',
);

const nastyContentType = fc.constantFrom(
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  '',
  '*/*',
);

const withPart = (parts: RequestParts, change: Partial<RequestParts>): RequestParts => ({ ...parts, ...change });

/** Every kind of mutation that applies to `route`, as one arbitrary. */
export function mutations(route: ApiRoute, example: RequestParts, key: string | undefined): fc.Arbitrary<Mutation> {
  const request = route.request ?? {};
  const raw = (parts: RequestParts) => toRawRequest(route, parts, key);
  const kinds: fc.Arbitrary<Mutation>[] = [];

  const bodyFields = fieldNames(request.body);
  if (request.body) {
    const body = example.body as Record<string, unknown>;
    kinds.push(
      fc.record({ field: fc.constantFrom(...bodyFields), value: nastyValue }).map(({ field, value }) => ({
        label: `body.${field} = ${preview(value)}`,
        request: raw(withPart(example, { body: { ...body, [field]: value } })),
        blame: [field, 'body'],
      })),
      fc.constantFrom(...bodyFields).map((field) => {
        const { [field]: _dropped, ...rest } = body;
        return { label: `body without ${field}`, request: raw(withPart(example, { body: rest })), blame: [field] };
      }),
      fc.record({ field: nastyString, value: nastyValue }).map(({ field, value }) => ({
        label: `body + ${preview(field)}`,
        request: raw(withPart(example, { body: { ...body, [field]: value } })),
        blame: [field, '(root)', 'body'],
      })),
      nastyValue.map((value) => ({
        label: `body = ${preview(value)}`,
        request: raw(withPart(example, { body: value })),
        // Another object is judged field by field: any of its fields or the route's may be named.
        blame: isObject(value) ? [] : ['(root)', 'body'],
      })),
      malformedBody.map((text) => ({
        label: `body text ${preview(text)}`,
        request: { ...raw(withPart(example, { body: undefined })), body: text },
        blame: ['body', '(root)'],
      })),
      nastyContentType.map((contentType) => {
        const base = raw(example);
        return {
          label: `content-type ${contentType}`,
          request: { ...base, headers: { ...base.headers, 'content-type': contentType } },
          blame: ['content-type'],
        };
      }),
    );
  } else {
    kinds.push(
      nastyValue.map((value) => ({
        label: `unexpected body ${preview(value)}`,
        request: raw(withPart(example, { body: value })),
        blame: ['body', '(root)'],
      })),
    );
  }

  const queryFields = fieldNames(request.query);
  const queryNames = queryFields.length > 0 ? queryFields : ['limit', 'tenantId'];
  kinds.push(
    fc.record({ field: fc.constantFrom(...queryNames), value: nastyString }).map(({ field, value }) => ({
      label: `query ${field}=${preview(value)}`,
      request: raw(withPart(example, { query: { ...example.query, [field]: value } })),
      blame: [field],
    })),
    fc.record({ field: nastyString, value: nastyString }).map(({ field, value }) => ({
      label: `query + ${preview(field)}=${preview(value)}`,
      request: raw(withPart(example, { query: { ...example.query, [field]: value } })),
      blame: [field, '(root)'],
    })),
    // A cursor is base64url JSON of sort-key values: a forged one decodes, so the store meets its values.
    fc.record({ field: fc.constantFrom(...CURSOR_FIELDS), value: nastyString }).map(({ field, value }) => ({
      label: `forged cursor {${field}: ${preview(value)}}`,
      request: raw(withPart(example, { query: { ...example.query, cursor: encodeCursor({ [field]: value }) } })),
      blame: ['cursor'],
    })),
    rawQueryFragment.map((fragment) => {
      const base = raw(example);
      const joiner = base.path.includes('?') ? '&' : '?';
      return {
        label: `raw query ${fragment}`,
        request: { ...base, path: `${base.path}${joiner}${fragment}` },
        blame: [],
      };
    }),
  );

  const pathNames = Object.keys(example.path);
  if (pathNames.length > 0) {
    kinds.push(
      fc.record({ name: fc.constantFrom(...pathNames), value: nastyString }).map(({ name, value }) => ({
        label: `path ${name}=${preview(value)}`,
        request: raw(withPart(example, { path: { ...example.path, [name]: value } })),
        blame: [name],
      })),
      fc.record({ name: fc.constantFrom(...pathNames), segment: rawPathSegment }).map(({ name, segment }) => {
        const encoded = Object.fromEntries(pathNames.map((n) => [n, percentEncode(example.path[n]!)]));
        const path = fillPath(route.resource, { ...encoded, [name]: segment }) + queryString(example.query);
        return { label: `raw path ${name}=${preview(segment)}`, request: { ...raw(example), path }, blame: [name] };
      }),
    );
  }

  const headerNames = request.headers ? ['Idempotency-Key'] : ['If-Match', 'X-Forwarded-For'];
  kinds.push(
    fc.record({ name: fc.constantFrom(...headerNames), value: nastyHeaderValue }).map(({ name, value }) => {
      const base = raw(example);
      return {
        label: `header ${name}: ${preview(value)}`,
        request: { ...base, headers: { ...base.headers, [name]: value } },
        blame: [name],
      };
    }),
  );
  if (request.headers) {
    kinds.push(
      fc.constant(null).map(() => {
        const base = raw(example);
        const { 'Idempotency-Key': _missing, ...headers } = base.headers ?? {};
        return { label: 'header Idempotency-Key missing', request: { ...base, headers }, blame: ['Idempotency-Key'] };
      }),
    );
  }
  return fc.oneof(...kinds);
}

const isObject = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Short, printable: for labels and the counterexample fast-check reports. */
export function preview(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}…(${text.length})` : text;
}
