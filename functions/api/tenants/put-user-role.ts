import { TENANT_ADMIN_ROLES } from '../../../core/api/access.js';
import { putUserRoleBodySchema, type UserRole, userPathSchema } from '../../../core/api/tenants.js';
import { jsonResponse } from '../../shared/http.js';
import {
  type ApiRequest,
  auditCommitted,
  auditWrites,
  nowIso,
  parseBody,
  parsePath,
  tenantApiHandler,
} from '../handler.js';
import { managedScope } from './access.js';

/**
 * PUT /v1/tenants/{tenantId}/users/{userId}: sets a user's role in a tenant. Admins for any tenant; a customer-admin
 * only in its own tenant and only customer roles. The authorizer reads this role in preference to the token's claim.
 */
export async function putUserRole(caller: ApiRequest) {
  const { tenantId: requested, userId } = parsePath(caller.event, userPathSchema);
  const { role } = parseBody(caller.event, putUserRoleBodySchema);
  const { tenantId, request } = await managedScope(caller, requested, role);
  const user: UserRole = {
    tenantId,
    userId,
    role,
    updatedAt: nowIso(request),
    updatedBy: request.principal.principalId,
  };
  const audited = auditWrites(request, 'user.role.set', `tenant/${tenantId}/user/${userId}`, { role });
  await request.runtime.tenants.putUserRole(user, audited.items);
  auditCommitted(request, audited);
  return jsonResponse(200, user);
}

export const handler = tenantApiHandler(TENANT_ADMIN_ROLES, putUserRole);
