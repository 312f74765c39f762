import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { sitePathSchema } from '../../../core/api/operations.js';
import { jsonResponse } from '../../shared/http.js';
import type { GatewayIdentityProvider } from '../../shared/iot/gateway-identity.js';
import { type ApiRequest, apiHandler, audit, parsePath } from '../handler.js';
import { gatewayIdentities } from './gateway-identities.js';
import { operatorSources, siteOf } from './views.js';

/**
 * DELETE /v1/sites/{siteId}/gateway: revokes the site gateway's certificates (deactivated, so refused at the next
 * connect; detached from the thing and the policy; deleted). The thing stays for the next onboarding. Audited.
 */
export async function revokeGateway(request: ApiRequest, identities: GatewayIdentityProvider) {
  const { siteId } = parsePath(request.event, sitePathSchema);
  await siteOf(operatorSources(request.runtime), siteId);
  const revoked = await identities.revoke(siteId);
  await audit(request, 'site.gateway.revoke', siteId, {
    certificateIds: revoked.certificates.map((c) => c.certificateId).join(','),
  });
  return jsonResponse(200, revoked);
}

export const handler = apiHandler(OPERATOR_ROLES, (request) => revokeGateway(request, gatewayIdentities()));
