import { partnerCatalogueBodySchema } from '../../../core/partners/catalogue.js';
import { partnerSettingsBodySchema, partnerSettingsIssues } from '../../../core/partners/settings.js';
import { DynamoPartnerCatalogueStore, DynamoPartnerSettingsStore } from '../../shared/data/partner-store.js';
import { HttpError, jsonResponse } from '../../shared/http.js';
import { type ApiRequest, auditCommitted, auditWrites, nowIso, parseBody } from '../handler.js';
import type { ApiRuntime } from '../runtime.js';

/**
 * Partner overflow's API: the platform's partner catalogue (admins) and each tenant's partner settings (its admins).
 * The settings routes read the catalogue to check a tenant's choice, so they run with the API's table access, not a
 * tenant-held client; they act only on the caller's own tenant.
 */
const stores = (runtime: ApiRuntime) => {
  const deps = { client: runtime.client, tableName: runtime.tableName };
  return { catalogue: new DynamoPartnerCatalogueStore(deps), settings: new DynamoPartnerSettingsStore(deps) };
};

/** GET /v1/partners: the partner clouds work may overflow to, with their regions and prices. */
export async function getPartners({ runtime }: ApiRequest) {
  const catalogue = await stores(runtime).catalogue.get();
  return jsonResponse(200, { partners: catalogue?.partners ?? [], updatedAt: catalogue?.updatedAt ?? null });
}

/** PUT /v1/partners: replaces the catalogue; the router offers work to it from its next run. */
export async function putPartners(request: ApiRequest) {
  const body = parseBody(request.event, partnerCatalogueBodySchema);
  const catalogue = { partners: body.partners, updatedAt: nowIso(request), updatedBy: request.principal.principalId };
  const audited = auditWrites(request, 'partners.catalogue', 'partners', { partners: body.partners.length });
  await stores(request.runtime).catalogue.put(catalogue, audited.items);
  auditCommitted(request, audited);
  return jsonResponse(200, { partners: catalogue.partners, updatedAt: catalogue.updatedAt });
}

/** GET /v1/partner-settings: the caller's tenant's settings, or null (its work never leaves the fleet). */
export async function getPartnerSettings({ runtime, principal }: ApiRequest) {
  return jsonResponse(200, { settings: (await stores(runtime).settings.get(principal.tenantId)) ?? null });
}

/**
 * PUT /v1/partner-settings: replaces the tenant's settings. A partner not in the catalogue, listed twice, or outside
 * the tenant's data regions is a 422 naming the field.
 */
export async function putPartnerSettings(request: ApiRequest) {
  const body = parseBody(request.event, partnerSettingsBodySchema);
  const { catalogue, settings } = stores(request.runtime);
  const issues = partnerSettingsIssues(body, await catalogue.partners());
  if (issues.length > 0) {
    const message = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
    throw new HttpError(422, 'partner-settings-refused', message, issues);
  }
  const { tenantId, principalId } = request.principal;
  const stored = { ...body, tenantId, updatedAt: nowIso(request), updatedBy: principalId };
  const audited = auditWrites(request, 'partners.settings', `partner-settings/${tenantId}`, {
    allowedPartnerIds: body.allowedPartnerIds.join(','),
    dataRegions: body.dataRegions.join(','),
  });
  await settings.put(stored, audited.items);
  auditCommitted(request, audited);
  return jsonResponse(200, { settings: stored });
}
