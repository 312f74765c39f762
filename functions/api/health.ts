import { jsonResponse } from '../shared/http.js';
import { httpHandler } from '../shared/http-handler.js';

/** GET /v1/health: liveness of the API path (gateway → Lambda), no dependencies touched. */
export const handler = httpHandler(async (event) =>
  jsonResponse(200, {
    status: 'ok',
    service: process.env.POWERTOOLS_SERVICE_NAME ?? 'hcp-api',
    stage: event.requestContext?.stage,
    time: new Date().toISOString(),
  }),
);
