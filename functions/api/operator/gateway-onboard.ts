import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { onboardGatewayBodySchema } from '../../../core/api/gateways.js';
import { sitePathSchema } from '../../../core/api/operations.js';
import { jsonResponse } from '../../shared/http.js';
import type { GatewayIdentityProvider } from '../../shared/iot/gateway-identity.js';
import { type ApiRequest, apiHandler, audit, parseBody, parsePath } from '../handler.js';
import { asHttpError, gatewayIdentities } from './gateway-identities.js';
import { operatorSources, siteOf } from './views.js';

/**
 * POST /v1/sites/{siteId}/gateway: onboards the site's gateway from a CSR it generated. 201 with the certificate and
 * endpoints when a certificate was issued, 200 when the same key had been onboarded already; 422 naming the CSR rule
 * broken; 409 when the site holds an active certificate for another key (DELETE it first). Audited.
 */
export async function onboardGateway(request: ApiRequest, identities: GatewayIdentityProvider) {
  const { siteId } = parsePath(request.event, sitePathSchema);
  const { csr } = parseBody(request.event, onboardGatewayBodySchema);
  await siteOf(operatorSources(request.runtime), siteId);
  const credentials = await identities.onboard(siteId, csr).catch((error) => {
    throw asHttpError(error);
  });
  await audit(request, 'site.gateway.onboard', siteId, {
    certificateId: credentials.certificateId,
    created: credentials.created,
  });
  return jsonResponse(credentials.created ? 201 : 200, credentials);
}

export const handler = apiHandler(OPERATOR_ROLES, (request) => onboardGateway(request, gatewayIdentities()));
