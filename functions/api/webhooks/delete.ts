import { TENANT_ADMIN_ROLES } from '../../../core/api/access.js';
import { publicWebhook } from '../../../core/webhooks/config.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, auditCommitted, auditWrites, notFound, tenantApiHandler } from '../handler.js';
import { webhookTenant } from './scope.js';

/** DELETE /v1/webhook[?tenantId=]: no delivery from now on (events still queued are skipped); 200 with what it was. */
export async function deleteWebhook(caller: ApiRequest) {
  const { tenantId, request } = await webhookTenant(caller);
  const audited = auditWrites(request, 'webhook.delete', `webhook/${tenantId}`, { tenantId });
  const deleted = await request.runtime.webhooks.delete(tenantId, audited.items);
  if (!deleted) throw notFound('webhook of tenant', tenantId);
  auditCommitted(request, audited);
  return jsonResponse(200, publicWebhook(deleted));
}

export const handler = tenantApiHandler(TENANT_ADMIN_ROLES, deleteWebhook);
