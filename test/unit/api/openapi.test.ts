import { buildOpenApiDocument } from '../../../functions/api/openapi/document.js';
import { API_ROUTES } from '../../../functions/api/routes.js';

const document = buildOpenApiDocument(API_ROUTES);
type Operation = {
  operationId: string;
  security: unknown[];
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
};
const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods) as Operation[]);

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with both security schemes and the shared schemas as components', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.components.securitySchemes)).toEqual(['apiKey', 'bearerJwt']);
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Error', 'Workload', 'WorkloadRequest']),
    );
  });

  it('has every route of the table, under its path and method, with its operationId', () => {
    for (const route of API_ROUTES) {
      const operation = document.paths[route.resource]?.[route.method.toLowerCase()] as Operation | undefined;
      expect(operation?.operationId).toBe(route.operationId);
    }
    expect(operations).toHaveLength(API_ROUTES.length);
  });

  it('has unique operationIds', () => {
    const ids = operations.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every 4xx the error schema', () => {
    const fourXx = operations.flatMap((o) => Object.entries(o.responses).filter(([status]) => status.startsWith('4')));
    expect(fourXx.length).toBeGreaterThan(API_ROUTES.length);
    for (const [, response] of fourXx) {
      expect(response.content?.['application/json']?.schema.$ref).toBe('#/components/schemas/Error');
    }
  });

  it('leaves only public routes without security, and every $ref resolves', () => {
    for (const route of API_ROUTES) {
      const operation = document.paths[route.resource]![route.method.toLowerCase()] as Operation;
      expect(operation.security.length === 0).toBe(route.roles === 'public');
    }
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    for (const ref of refs) expect(document.components.schemas).toHaveProperty(ref);
  });

  it('documents the Idempotency-Key header and the path parameters', () => {
    const submit = document.paths['/v1/workloads']!.post as {
      parameters: { name: string; in: string; required: boolean }[];
    };
    expect(submit.parameters).toContainEqual(
      expect.objectContaining({ name: 'idempotency-key', in: 'header', required: true }),
    );
    const get = document.paths['/v1/workloads/{workloadId}']!.get as { parameters: { name: string; in: string }[] };
    expect(get.parameters).toContainEqual(expect.objectContaining({ name: 'workloadId', in: 'path' }));
  });
});
