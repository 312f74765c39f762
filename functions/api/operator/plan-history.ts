import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { planHistoryQuerySchema } from '../../../core/api/operations.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, parseQuery } from '../handler.js';
import { operatorSources } from './views.js';

/** GET /v1/plans?limit=N: plan versions, newest first. */
export async function planHistory({ event, runtime }: ApiRequest) {
  const { limit } = parseQuery(event, planHistoryQuerySchema);
  const items = await operatorSources(runtime).plans.listHistory({ limit });
  return jsonResponse(200, { items });
}

export const handler = apiHandler(OPERATOR_ROLES, planHistory);
