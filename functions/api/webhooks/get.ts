import { TENANT_ADMIN_ROLES } from '../../../core/api/access.js';
import { publicWebhook } from '../../../core/webhooks/config.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, tenantApiHandler } from '../handler.js';
import { existingWebhook, webhookTenant } from './scope.js';

/** GET /v1/webhook[?tenantId=]: the tenant's webhook without its secret; 404 when it has none. */
export async function getWebhook(caller: ApiRequest) {
  const { tenantId, request } = await webhookTenant(caller);
  return jsonResponse(200, publicWebhook(await existingWebhook(request, tenantId)));
}

export const handler = tenantApiHandler(TENANT_ADMIN_ROLES, getWebhook);
