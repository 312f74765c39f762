import { buildOpenApiDocument } from '../../../functions/api/openapi/document.js';
import { API_ROUTES } from '../../../functions/api/routes.js';

/** What outside validators (Redocly, Prism) found missing from the document: each a promise the API keeps. */
const doc = buildOpenApiDocument(API_ROUTES) as any;
const operations = Object.values(doc.paths as Record<string, Record<string, any>>).flatMap((ops) => Object.values(ops));

describe('the OpenAPI document tells the whole truth', () => {
  it('documents the CSV statement as text/csv', () => {
    const ok = doc.paths['/v1/usage/statement'].get.responses['200'];
    expect(Object.keys(ok.content)).toEqual(['application/json', 'text/csv']);
  });

  it('documents 429 with Retry-After on every operation', () => {
    const missing = operations.filter((op) => !op.responses['429']?.headers?.['Retry-After']);
    expect(missing.map((op) => op.operationId)).toEqual([]);
  });

  it('documents Location and Idempotent-Replayed on a workload submission', () => {
    const created = doc.paths['/v1/workloads'].post.responses['201'];
    expect(Object.keys(created.headers)).toEqual(['Location', 'Idempotent-Replayed']);
  });

  it('gives the field of an issue as the API sends it, and a license', () => {
    const field = doc.components.schemas.Error.properties.error.properties.issues.items.properties.field;
    expect(field.description).toContain('`tier`');
    expect(field.description).toContain('`(root)`');
    expect(field.description).not.toContain('body.tier');
    expect(doc.info.license).toEqual(expect.objectContaining({ name: expect.any(String) }));
  });
});
