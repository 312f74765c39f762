import { API_ROUTES } from '../routes.js';
import { openApiHandler } from './handler.js';

/** GET /v1/openapi.json (public): built once per container from the route table. */
export const handler = openApiHandler(() => API_ROUTES);
