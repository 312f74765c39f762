import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { sitePathSchema } from '../../../core/api/operations.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, parsePath } from '../handler.js';
import { operatorSources, siteOf, siteView } from './views.js';

/** GET /v1/sites/{siteId}: one site in detail; an unknown id is a 404 naming it. */
export async function getSite({ event, runtime }: ApiRequest) {
  const { siteId } = parsePath(event, sitePathSchema);
  const sources = operatorSources(runtime);
  const site = await siteOf(sources, siteId);
  const plan = await sources.plans.loadCurrent();
  return jsonResponse(200, await siteView(sources, site, plan, runtime.clock.nowMs()));
}

export const handler = apiHandler(OPERATOR_ROLES, getSite);
