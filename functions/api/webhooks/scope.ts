import { tenantScopeQuerySchema } from '../../../core/api/api-keys.js';
import type { StoredWebhook } from '../../../core/webhooks/config.js';
import { type ApiRequest, notFound, parseQuery } from '../handler.js';
import { managedScope } from '../tenants/access.js';

/**
 * The tenant whose webhook a call manages: a customer-admin its own, an admin the one named by `?tenantId=` (default
 * its own), as for API keys; a foreign or missing tenant is 404.
 */
export async function webhookTenant(request: ApiRequest): Promise<{ tenantId: string; request: ApiRequest }> {
  const { tenantId } = parseQuery(request.event, tenantScopeQuerySchema);
  return managedScope(request, tenantId);
}

/** The tenant's webhook, or 404. */
export async function existingWebhook(request: ApiRequest, tenantId: string): Promise<StoredWebhook> {
  const webhook = await request.runtime.webhooks.get(tenantId);
  if (!webhook) throw notFound('webhook of tenant', tenantId);
  return webhook;
}
