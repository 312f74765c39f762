import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { HttpError, jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler } from '../handler.js';
import { operatorSources } from './views.js';

/** GET /v1/plans/current: the plan dispatch works from; 404 before the first dispatch. */
export async function currentPlan({ runtime }: ApiRequest) {
  const plan = await operatorSources(runtime).plans.loadCurrent();
  if (!plan) throw new HttpError(404, 'not-found', 'no plan has been dispatched yet');
  return jsonResponse(200, plan);
}

export const handler = apiHandler(OPERATOR_ROLES, currentPlan);
