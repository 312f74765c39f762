import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { sitePathSchema, switchHistoryQuerySchema } from '../../../core/api/operations.js';
import { switchRecordOf } from '../../../core/operations/switches.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, parsePath, parseQuery } from '../handler.js';
import { operatorSources, siteOf } from './views.js';

/**
 * GET /v1/sites/{siteId}/switches?limit=N: the site's switches, newest first, each with its outcome (executed,
 * rejected, timed out, compensated), command id, sequence number and, for executed ones, latency.
 */
export async function switchHistory({ event, runtime }: ApiRequest) {
  const { siteId } = parsePath(event, sitePathSchema);
  const { limit } = parseQuery(event, switchHistoryQuerySchema);
  const sources = operatorSources(runtime);
  await siteOf(sources, siteId);
  const entries = await sources.switchLog.list(siteId, limit);
  return jsonResponse(200, { items: entries.map(switchRecordOf) });
}

export const handler = apiHandler(OPERATOR_ROLES, switchHistory);
