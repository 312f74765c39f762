import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { powerLimitBodySchema, sitePathSchema } from '../../../core/api/operations.js';
import { type ApiRequest, apiHandler, parseBody, parsePath } from '../handler.js';
import { startOverride } from './override.js';

/**
 * PUT /v1/sites/{siteId}/power-limit: an operator caps the site's facility power until `expiresAt` (≤ 24 h). It goes
 * to the gateway as a signed `set-power-limit` command through the SwitchFlow (lock, ack, compensation), and the
 * gateway's site power controller holds it beside the interconnect, demand-response and plan limits; the plan keeps
 * running. Recorded and audited like every override (`site.power-limit`); DELETE /v1/sites/{siteId}/overrides/current
 * lifts it. 202: the flow is started.
 */
export async function setPowerLimit(request: ApiRequest) {
  const { siteId } = parsePath(request.event, sitePathSchema);
  const limit = parseBody(request.event, powerLimitBodySchema);
  return startOverride(request, siteId, { kind: 'set-power-limit', ...limit }, 'site.power-limit');
}

export const handler = apiHandler(OPERATOR_ROLES, setPowerLimit);
