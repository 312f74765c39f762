import {
  checkRoleGrant,
  PLATFORM_TENANT_ID,
  resolveManagedTenant,
  type TenantAccess,
} from '../../../core/api/access.js';
import type { Role } from '../../../core/api/principal.js';
import { HttpError } from '../../shared/http.js';
import { type ApiRequest, notFound, scopeRequest } from '../handler.js';

/**
 * The tenant a user/key management call acts on, after the rules of core/api/access.ts: a foreign or missing tenant
 * is 404 (existence is not leaked), a role the caller may not grant is 403. With `grantedRole`, the escalation rules
 * apply too.
 */
export async function managedTenant(request: ApiRequest, requested: string | undefined, grantedRole?: Role) {
  return (await managedScope(request, requested, grantedRole)).tenantId;
}

/**
 * managedTenant for a tenant route (tenantApiHandler): also the request moved to that tenant's scope, which the
 * existence check already reads through. A route on the function's own client keeps its request.
 */
export async function managedScope(
  request: ApiRequest,
  requested: string | undefined,
  grantedRole?: Role,
): Promise<{ tenantId: string; request: ApiRequest }> {
  const { principal } = request;
  const access: TenantAccess = grantedRole
    ? checkRoleGrant(principal, requested ?? principal.tenantId, grantedRole)
    : resolveManagedTenant(principal, requested);
  if (!access.ok && access.reason === 'forbidden') {
    throw new HttpError(403, 'forbidden', access.message, [
      { field: 'role', rule: 'role_not_grantable', message: access.message },
    ]);
  }
  const tenantId = requested ?? principal.tenantId;
  if (!access.ok) throw notFound('tenant', tenantId);
  const scoped = request.runtime.scope ? await scopeRequest(request, tenantId) : request;
  // The platform tenant (operators, admins) exists by definition; a customer tenant must have been created.
  if (tenantId !== PLATFORM_TENANT_ID && !(await scoped.runtime.tenants.get(tenantId))) {
    throw notFound('tenant', tenantId);
  }
  return { tenantId, request: scoped };
}
