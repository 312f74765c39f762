import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler } from '../handler.js';
import { operatorSources, siteView } from './views.js';

/** GET /v1/sites: every site with its device groups, gateways' latest state, switching and current setpoints. */
export async function listSites({ runtime }: ApiRequest) {
  const sources = operatorSources(runtime);
  const plan = await sources.plans.loadCurrent();
  const nowMs = runtime.clock.nowMs();
  const items = await Promise.all((await sources.sites()).map((site) => siteView(sources, site, plan, nowMs)));
  return jsonResponse(200, { items });
}

export const handler = apiHandler(OPERATOR_ROLES, listSites);
