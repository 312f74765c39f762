import { z } from 'zod';
import { idSchema, isoInstantSchema } from '../support/schema.js';
import { pageQueryShape, pageSchema } from './pagination.js';
import { roleSchema } from './principal.js';
import type { ThrottleLimits } from './rate-limit.js';

/**
 * API Gateway usage plans the stack creates; a tenant is on one of them. Its throttle applies per tenant because the
 * authorizer returns the tenant's own usage-identifier key (see docs/API.md, "Usage plans").
 */
export const USAGE_PLANS = ['standard', 'premium'] as const;
export const usagePlanSchema = z.enum(USAGE_PLANS);
export type UsagePlan = z.infer<typeof usagePlanSchema>;

/**
 * Each plan's limits per tenant: the stack's usage plans and the local API's throttle (core/api/rate-limit.ts) both
 * read this table. `rateLimit` is requests/s, `burstLimit` requests at once, `quotaPerDay` requests per UTC day.
 */
export const USAGE_PLAN_LIMITS: Record<UsagePlan, ThrottleLimits & { readonly quotaPerDay: number }> = {
  standard: { rateLimit: 20, burstLimit: 40, quotaPerDay: 200_000 },
  premium: { rateLimit: 100, burstLimit: 200, quotaPerDay: 2_000_000 },
};

export const createTenantBodySchema = z
  .strictObject({
    tenantId: idSchema,
    name: z.string().min(1).max(200),
    usagePlan: usagePlanSchema.default('standard'),
  })
  .meta({ id: 'CreateTenantRequest' });

export const tenantSchema = z
  .object({
    tenantId: idSchema,
    name: z.string(),
    usagePlan: usagePlanSchema,
    createdAt: isoInstantSchema,
    createdBy: z.string(),
  })
  .meta({ id: 'Tenant' });
export type Tenant = z.infer<typeof tenantSchema>;

export const tenantPathSchema = z.strictObject({ tenantId: idSchema });
export const listTenantsQuerySchema = z.strictObject({ ...pageQueryShape });
export const tenantPageSchema = pageSchema(tenantSchema).meta({ id: 'TenantPage' });

/** A user is a Cognito `sub` (or username); its role here overrides the token's `custom:role` claim. */
export const userPathSchema = z.strictObject({ tenantId: idSchema, userId: idSchema });
export const putUserRoleBodySchema = z.strictObject({ role: roleSchema }).meta({ id: 'UserRoleRequest' });

export const userRoleSchema = z
  .object({
    tenantId: idSchema,
    userId: idSchema,
    role: roleSchema,
    updatedAt: isoInstantSchema,
    updatedBy: z.string(),
  })
  .meta({ id: 'UserRole' });
export type UserRole = z.infer<typeof userRoleSchema>;
