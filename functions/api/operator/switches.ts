import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { sitePathSchema, switchHistoryQuerySchema } from '../../../core/api/operations.js';
import { DynamoSwitchLogStore } from '../../shared/data/switch-log-store.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, notFound, parsePath, parseQuery } from '../handler.js';
import { operatorSources } from './views.js';

/** GET /v1/sites/{siteId}/switches?limit=N: the site's switches (committed or compensated), newest first. */
export async function switchHistory({ event, runtime }: ApiRequest) {
  const { siteId } = parsePath(event, sitePathSchema);
  const { limit } = parseQuery(event, switchHistoryQuerySchema);
  if (!operatorSources(runtime).fleet.sites.some((s) => s.id === siteId)) throw notFound('site', siteId);
  const items = await new DynamoSwitchLogStore({ client: runtime.client, tableName: runtime.tableName }).list(
    siteId,
    limit,
  );
  return jsonResponse(200, { items });
}

export const handler = apiHandler(OPERATOR_ROLES, switchHistory);
