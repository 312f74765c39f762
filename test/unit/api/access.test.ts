import fc from 'fast-check';
import { checkRoleGrant, PLATFORM_TENANT_ID, resolveManagedTenant } from '../../../core/api/access.js';
import { ROLES, type Role } from '../../../core/api/principal.js';

const customerAdmin = { tenantId: 'acme', role: 'customer-admin' as const };
const admin = { tenantId: PLATFORM_TENANT_ID, role: 'admin' as const };

describe('which tenant a management call acts on', () => {
  it('lets an admin name any tenant and defaults to its own', () => {
    expect(resolveManagedTenant(admin, 'acme')).toEqual({ ok: true, tenantId: 'acme' });
    expect(resolveManagedTenant(admin, undefined)).toEqual({ ok: true, tenantId: PLATFORM_TENANT_ID });
  });

  it('answers a customer-admin naming another tenant exactly as for a missing one', () => {
    expect(resolveManagedTenant(customerAdmin, 'globex')).toMatchObject({ ok: false, reason: 'not-found' });
    expect(resolveManagedTenant(customerAdmin, 'acme')).toEqual({ ok: true, tenantId: 'acme' });
  });
});

describe('role escalation rules', () => {
  it.each<[Role, string, boolean]>([
    ['customer-user', 'acme', true],
    ['customer-admin', 'acme', true],
    ['operator', 'acme', false],
    ['admin', 'acme', false],
    ['customer-user', 'globex', false],
  ])('a customer-admin granting %s in %s: %s', (role, tenant, allowed) => {
    expect(checkRoleGrant(customerAdmin, tenant, role).ok).toBe(allowed);
  });

  it('keeps platform roles in the platform tenant and customer roles out of it, even for admins', () => {
    expect(checkRoleGrant(admin, PLATFORM_TENANT_ID, 'operator').ok).toBe(true);
    expect(checkRoleGrant(admin, 'acme', 'operator')).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(checkRoleGrant(admin, PLATFORM_TENANT_ID, 'customer-user')).toMatchObject({
      ok: false,
      reason: 'forbidden',
    });
  });

  it('never lets a non-admin grant a role above customer-admin, in any tenant', () => {
    const role = fc.constantFrom(...ROLES);
    fc.assert(
      fc.property(
        fc.constantFrom<Role>('customer-user', 'customer-admin', 'operator'),
        role,
        fc.string(),
        (actorRole, granted, tenant) => {
          const result = checkRoleGrant({ tenantId: 'acme', role: actorRole }, tenant, granted);
          if (result.ok) expect(['customer-user', 'customer-admin']).toContain(granted);
          if (result.ok) expect(result.tenantId).toBe('acme');
        },
      ),
    );
  });
});
