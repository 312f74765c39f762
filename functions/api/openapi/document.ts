import { z } from 'zod';
import { errorResponseSchema } from '../../../core/api/errors.js';
import type { ApiRoute, ResponseHeaderName, RouteResponse } from '../route.js';
import { ERROR_DESCRIPTIONS } from '../route-helpers.js';

/**
 * The OpenAPI 3.1 document, generated from the route table with zod 4's z.toJSONSchema (never written by hand).
 * Schemas with a `meta({ id })` become components; request schemas are rendered as the client sends them (`input`),
 * response schemas as the server sends them (`output`).
 */
type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

export const SECURITY_SCHEMES = {
  apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'An HCP API key (POST /v1/api-keys)' },
  bearerJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Cognito ID token' },
} as const;

/** The response headers the API sends, described once and referenced by the responses that carry them. */
export const RESPONSE_HEADERS: Record<ResponseHeaderName, { description: string; schema: JsonSchema }> = {
  Location: { description: 'The created resource’s path', schema: { type: 'string' } },
  'Idempotent-Replayed': {
    description: '`true` when this is the stored answer to an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
  'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 0 } },
  ETag: {
    description: 'The version of the resource as answered; send it as If-Match to change it',
    schema: { type: 'string' },
  },
  'HCP-Evidence-SHA256': {
    description: 'SHA-256 (hex) of the stored JSON evidence document, as recorded in the platform audit chain',
    schema: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
};

const THROTTLED = { description: ERROR_DESCRIPTIONS[429]!, headers: ['Retry-After'] } as const satisfies RouteResponse;

class SchemaCollector {
  readonly components: Record<string, JsonSchema> = {};

  /** The JSON Schema of `schema`, its id'd parts moved to components and referenced from there. */
  convert(schema: z.ZodType, io: Io): JsonSchema {
    const {
      $schema: _dialect,
      $defs,
      ...root
    } = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
    }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
    for (const [id, definition] of Object.entries($defs ?? {})) this.add(id, relink(definition) as JsonSchema);
    return relink(root) as JsonSchema;
  }

  private add(id: string, definition: JsonSchema) {
    const existing = this.components[id];
    if (existing && JSON.stringify(existing) !== JSON.stringify(definition)) {
      throw new Error(`OpenAPI component ${id} differs between uses; give the variants their own ids`);
    }
    this.components[id] = definition;
  }
}

/** z.toJSONSchema points at `#/$defs/X`; in the document they are `#/components/schemas/X`. */
function relink(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relink);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      key === '$ref' && typeof v === 'string' ? v.replace('#/$defs/', '#/components/schemas/') : relink(v),
    ]),
  );
}

export interface RouteParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly schema: JsonSchema;
}

/** A route's path, query and header parameters, as OpenAPI lists them and API Gateway validates their presence. */
export function routeParameters(route: ApiRoute, collector = new SchemaCollector()): RouteParameter[] {
  const locations = [
    ['path', route.request?.path],
    ['query', route.request?.query],
    ['header', route.request?.headers],
  ] as const;
  return locations.flatMap(([location, schema]) => {
    if (!schema) return [];
    const object = collector.convert(schema, 'input') as {
      properties?: Record<string, JsonSchema>;
      required?: string[];
    };
    return Object.entries(object.properties ?? {}).map(([name, property]) => ({
      name,
      in: location,
      required: location === 'path' || (object.required ?? []).includes(name),
      schema: property,
    }));
  });
}

/**
 * A request body schema as JSON Schema draft 4, self-contained (no references), for an API Gateway model: the
 * gateway refuses a malformed body before a Lambda runs, with the same rules the handler applies.
 */
export function draft4BodySchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, {
    target: 'draft-04',
    io: 'input',
    unrepresentable: 'any',
    metadata: z.registry(),
  }) as JsonSchema;
}

function operation(collector: SchemaCollector, route: ApiRoute) {
  const { request } = route;
  // Every operation may be throttled (usage plans, stage limits), whether or not the route spelled it out.
  const all: Record<string, RouteResponse> = { ...route.responses, 429: THROTTLED };
  const responses = Object.fromEntries(
    Object.entries(all).map(([status, response]) => {
      // Every error the API sends has the one error shape, whether or not the route spelled it out.
      const schema = response.schema ?? (Number(status) >= 400 ? errorResponseSchema : undefined);
      const content = {
        ...(schema ? { 'application/json': { schema: collector.convert(schema, 'output') } } : {}),
        ...(response.csv ? { 'text/csv': { schema: { type: 'string' } } } : {}),
        ...(response.html ? { 'text/html': { schema: { type: 'string' } } } : {}),
      };
      const headers = (response.headers ?? []).map((name) => [name, RESPONSE_HEADERS[name]] as const);
      return [
        status,
        {
          description: response.description,
          ...(headers.length > 0 ? { headers: Object.fromEntries(headers) } : {}),
          ...(Object.keys(content).length > 0 ? { content } : {}),
        },
      ];
    }),
  );
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [...route.tags],
    'x-hcp-roles': route.roles === 'public' ? [] : [...route.roles],
    security: route.roles === 'public' ? [] : [{ apiKey: [] }, { bearerJwt: [] }],
    parameters: routeParameters(route, collector).map((p) => ({
      ...p,
      ...(typeof p.schema.description === 'string' ? { description: p.schema.description } : {}),
    })),
    ...(request?.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: collector.convert(request.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: readonly ApiRoute[], info = { title: 'HCP API', version: '1.0.0' }) {
  const collector = new SchemaCollector();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.resource] ??= {};
    paths[route.resource]![route.method.toLowerCase()] = operation(collector, route);
  }
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      // No open-source license: the API is offered under the operator's terms of service.
      license: { name: 'Proprietary', identifier: 'LicenseRef-HCP-Terms-of-Service' },
      description:
        'Hybrid Compute Platform: customers submit inference workloads and read their usage; admins manage tenants, ' +
        'users’ roles and API keys. Errors are JSON naming each failing field and rule.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    paths,
    components: { schemas: collector.components, securitySchemes: SECURITY_SCHEMES },
  };
}
