import { jsonResponse } from '../../shared/http.js';
import { httpHandler } from '../../shared/http-handler.js';
import { API_ROUTES } from '../routes.js';
import { buildOpenApiDocument } from './document.js';

let document: ReturnType<typeof buildOpenApiDocument> | undefined;

/** GET /v1/openapi.json (public): built once per container from the route table. */
export const handler = httpHandler(async () => {
  document ??= buildOpenApiDocument(API_ROUTES);
  return jsonResponse(200, document, { 'cache-control': 'public, max-age=300' });
});
