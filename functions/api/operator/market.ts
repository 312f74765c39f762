import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler } from '../handler.js';
import { operatorSources } from './views.js';

/** GET /v1/market: the newest market snapshot ingested (prices per settlement point, hashprice), or null. */
export async function marketSnapshot({ runtime }: ApiRequest) {
  const snapshot = await operatorSources(runtime).market.latest();
  return jsonResponse(200, { snapshot: snapshot ?? null });
}

export const handler = apiHandler(OPERATOR_ROLES, marketSnapshot);
