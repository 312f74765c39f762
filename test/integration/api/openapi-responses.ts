import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import { buildOpenApiDocument } from '../../../functions/api/openapi/document.js';
import type { ApiRoute } from '../../../functions/api/route.js';
import { API_ROUTES } from '../../../functions/api/routes.js';

/**
 * Every answer the API integration tests receive, checked against the OpenAPI document with an outside validator
 * (ajv, JSON Schema 2020-12, as the document declares): the status is documented for the operation, the content type
 * is one it lists, and the body matches that response's schema. Undefined when the answer is as documented.
 */
const document = buildOpenApiDocument(API_ROUTES);
const ajv = new Ajv2020({ strict: false, allErrors: true });
// CommonJS default export: what the module is, under TypeScript's and swc's interop alike.
const addFormats = ((formats as { default?: unknown }).default ?? formats) as unknown as (a: Ajv2020) => void;
addFormats(ajv);
ajv.addSchema(document, 'openapi');

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

const matchers = API_ROUTES.map((route) => ({
  route,
  pattern: new RegExp(`^${route.resource.replace(/\{\w+\}/g, '[^/]+')}$`),
}));

function routeOf(method: string, path: string): ApiRoute | undefined {
  const pathname = new URL(path, 'http://x').pathname;
  return matchers.find(({ route, pattern }) => route.method === method && pattern.test(pathname))?.route;
}

export function undocumentedAnswer(
  method: string,
  path: string,
  answer: { status: number; contentType: string | null; text: string },
): string | undefined {
  const route = routeOf(method.toUpperCase(), path);
  // No route: the adapter's own 404/405, documented by no operation.
  if (!route) return undefined;
  const op = `${route.operationId} ${answer.status}`;
  const response = (document.paths[route.resource]![route.method.toLowerCase()] as any).responses[answer.status];
  if (!response) return `${op}: status not documented`;
  if (!answer.text) return response.content ? `${op}: no body, documented with one` : undefined;
  const mediaType = (answer.contentType ?? '').split(';')[0]!.trim();
  if (!response.content?.[mediaType]) return `${op}: ${mediaType} not documented`;
  if (mediaType !== 'application/json') return undefined;
  const ref = `openapi#/${pointer('paths', route.resource, route.method.toLowerCase(), 'responses', String(answer.status), 'content', mediaType, 'schema')}`;
  const validate = ajv.getSchema(ref);
  if (!validate) return `${op}: no schema at ${ref}`;
  if (validate(JSON.parse(answer.text))) return undefined;
  return `${op}: ${ajv.errorsText(validate.errors)}`;
}
