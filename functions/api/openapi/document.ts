import { z } from 'zod';
import type { ApiRoute } from '../route.js';

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

function parameters(collector: SchemaCollector, location: 'path' | 'query' | 'header', schema: z.ZodType | undefined) {
  if (!schema) return [];
  const object = collector.convert(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || (object.required ?? []).includes(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

function operation(collector: SchemaCollector, route: ApiRoute) {
  const { request } = route;
  const responses = Object.fromEntries(
    Object.entries(route.responses).map(([status, response]) => [
      status,
      {
        description: response.description,
        ...(response.schema
          ? { content: { 'application/json': { schema: collector.convert(response.schema, 'output') } } }
          : {}),
      },
    ]),
  );
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [...route.tags],
    'x-hcp-roles': route.roles === 'public' ? [] : [...route.roles],
    security: route.roles === 'public' ? [] : [{ apiKey: [] }, { bearerJwt: [] }],
    parameters: [
      ...parameters(collector, 'path', request?.path),
      ...parameters(collector, 'query', request?.query),
      ...parameters(collector, 'header', request?.headers),
    ],
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
