import { TENANT_ADMIN_ROLES } from '../../../core/api/access.js';
import { formatWebhookSecret, publicWebhook, putWebhookBodySchema } from '../../../core/webhooks/config.js';
import type { AuditOutbox } from '../../shared/data/audit-log.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, auditCommitted, auditWrites, nowIso, parseBody, tenantApiHandler } from '../handler.js';
import { webhookTenant } from './scope.js';

/**
 * PUT /v1/webhook[?tenantId=]: sets the tenant's receiver and events. Creating answers 201 with the new signing
 * secret (shown this once); replacing answers 200, keeps the secret and does not show it (rotate-secret changes it).
 */
export async function putWebhook(caller: ApiRequest) {
  const body = parseBody(caller.event, putWebhookBodySchema({ allowLocalHttp: caller.runtime.allowLocalWebhookUrls }));
  const { tenantId, request } = await webhookTenant(caller);
  const { runtime } = request;
  // The audit event rides in the create's or the replace's own transaction, whichever the store does.
  let audited: AuditOutbox | undefined;
  const { created, webhook } = await runtime.webhooks.put(
    { tenantId, ...body },
    formatWebhookSecret(runtime.randomSecret()),
    nowIso(request),
    (change) => {
      audited = auditWrites(request, `webhook.${change}`, `webhook/${tenantId}`, {
        tenantId,
        // The host only: a receiver's URL may carry a token in its query, which the audit log must not keep.
        host: new URL(body.url).host,
        events: body.events.join(','),
      });
      return audited.items;
    },
  );
  if (audited) auditCommitted(request, audited);
  return created ? jsonResponse(201, webhook) : jsonResponse(200, publicWebhook(webhook));
}

export const handler = tenantApiHandler(TENANT_ADMIN_ROLES, putWebhook);
