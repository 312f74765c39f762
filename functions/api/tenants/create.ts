import { ADMIN_ROLES } from '../../../core/api/access.js';
import { createTenantBodySchema, type Tenant } from '../../../core/api/tenants.js';
import { HttpError, jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, auditCommitted, auditWrites, nowIso, parseBody } from '../handler.js';

/** POST /v1/tenants (admin): a new tenant on a usage plan; an id already taken is 409. */
export async function createTenant(request: ApiRequest) {
  const body = parseBody(request.event, createTenantBodySchema);
  const tenant: Tenant = { ...body, createdAt: nowIso(request), createdBy: request.principal.principalId };
  const audited = auditWrites(request, 'tenant.create', `tenant/${tenant.tenantId}`, { usagePlan: tenant.usagePlan });
  if (!(await request.runtime.tenants.create(tenant, audited.items))) {
    throw new HttpError(409, 'conflict', `tenant ${tenant.tenantId} already exists`, [
      { field: 'tenantId', rule: 'unique', message: 'already taken' },
    ]);
  }
  auditCommitted(request, audited);
  return jsonResponse(201, tenant, { location: `/v1/tenants/${tenant.tenantId}` });
}

export const handler = apiHandler(ADMIN_ROLES, createTenant);
