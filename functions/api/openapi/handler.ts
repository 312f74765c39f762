import { jsonResponse } from '../../shared/http.js';
import { httpHandler } from '../../shared/http-handler.js';
import type { ApiRoute } from '../route.js';
import { buildOpenApiDocument } from './document.js';

/**
 * GET /v1/openapi.json (public): the document of `routes()`, built on the first request. The route table is passed
 * in rather than imported, because the table itself lists this route: get.ts (the Lambda) and the table's own `load`
 * both bind it, and no import circle runs through the table.
 */
export function openApiHandler(routes: () => readonly ApiRoute[]) {
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  return httpHandler(async () => {
    document ??= buildOpenApiDocument(routes());
    return jsonResponse(200, document, { 'cache-control': 'public, max-age=300' });
  });
}
