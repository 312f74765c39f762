import type { Role } from './principal.js';

/**
 * Who may call what, named once: the route table (CDK, local adapter, OpenAPI) and the handlers' requireRole use
 * the same constants, so the two checks cannot disagree.
 */
export const CUSTOMER_ROLES = ['customer-user', 'customer-admin'] as const satisfies readonly Role[];
export const ADMIN_ROLES = ['admin'] as const satisfies readonly Role[];
/** The fleet's views (sites, plans, market): the platform's operators, and admins. */
export const OPERATOR_ROLES = ['operator', 'admin'] as const satisfies readonly Role[];
/** Readers of tenant-neutral reference data (the model catalog): every role; only operators change it. */
export const READ_ONLY_REFERENCE_ROLES = [...OPERATOR_ROLES, ...CUSTOMER_ROLES] as const satisfies readonly Role[];
/** Users and API keys: an admin for any tenant, a customer-admin for its own. */
export const TENANT_ADMIN_ROLES = ['admin', 'customer-admin'] as const satisfies readonly Role[];

/** Operators and admins act for the platform, not for a customer: their keys and users live in this tenant. */
export const PLATFORM_TENANT_ID = 'platform';

export interface Actor {
  readonly tenantId: string;
  readonly role: Role;
}

export type TenantAccess =
  | { readonly ok: true; readonly tenantId: string }
  /** not-found: the caller may not know the tenant exists (a foreign id answers 404, as a missing one does). */
  | { readonly ok: false; readonly reason: 'not-found' | 'forbidden'; readonly message: string };

/**
 * The tenant a user/key management call acts on: an admin names any tenant (default its own), anyone else acts on
 * its own tenant only, and a foreign id looks exactly like a missing one.
 */
export function resolveManagedTenant(actor: Actor, requestedTenantId: string | undefined): TenantAccess {
  const tenantId = requestedTenantId ?? actor.tenantId;
  if (actor.role === 'admin' || tenantId === actor.tenantId) return { ok: true, tenantId };
  return { ok: false, reason: 'not-found', message: `tenant ${tenantId} not found` };
}

/**
 * Role escalation rules for granting a role to a user or an API key in `tenantId` (already resolved with
 * resolveManagedTenant): a customer-admin grants only customer roles; operator and admin are platform roles, held
 * only in the platform tenant; customer roles are never held in the platform tenant.
 */
export function checkRoleGrant(actor: Actor, tenantId: string, role: Role): TenantAccess {
  const customerRole = (CUSTOMER_ROLES as readonly Role[]).includes(role);
  if (actor.role !== 'admin' && !customerRole) {
    return { ok: false, reason: 'forbidden', message: `${actor.role} may not grant role ${role}` };
  }
  if (!customerRole && tenantId !== PLATFORM_TENANT_ID) {
    return { ok: false, reason: 'forbidden', message: `role ${role} is held only in tenant ${PLATFORM_TENANT_ID}` };
  }
  if (customerRole && tenantId === PLATFORM_TENANT_ID) {
    return { ok: false, reason: 'forbidden', message: `customer roles are not held in tenant ${PLATFORM_TENANT_ID}` };
  }
  return resolveManagedTenant(actor, tenantId);
}
