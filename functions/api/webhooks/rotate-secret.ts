import { TENANT_ADMIN_ROLES } from '../../../core/api/access.js';
import { formatWebhookSecret } from '../../../core/webhooks/config.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, auditCommitted, auditWrites, notFound, nowIso, tenantApiHandler } from '../handler.js';
import { webhookTenant } from './scope.js';

/**
 * POST /v1/webhook/rotate-secret[?tenantId=]: a new signing secret, in this response only. It replaces the old one at
 * once: deliveries from now on (retries included) are signed with it.
 */
export async function rotateWebhookSecret(caller: ApiRequest) {
  const { tenantId, request } = await webhookTenant(caller);
  const { runtime } = request;
  const audited = auditWrites(request, 'webhook.rotate-secret', `webhook/${tenantId}`, { tenantId });
  const webhook = await runtime.webhooks.rotateSecret(
    tenantId,
    formatWebhookSecret(runtime.randomSecret()),
    nowIso(request),
    audited.items,
  );
  if (!webhook) throw notFound('webhook of tenant', tenantId);
  auditCommitted(request, audited);
  return jsonResponse(200, webhook);
}

export const handler = tenantApiHandler(TENANT_ADMIN_ROLES, rotateWebhookSecret);
