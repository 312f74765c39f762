import { z } from 'zod';

/**
 * Who is calling, as the authorizer verified it. The tenant comes only from here (verified claims or the hashed API
 * key's record), never from the path or the body; every data key a handler builds starts with `principal.tenantId`.
 */
export const ROLES = ['customer-user', 'customer-admin', 'operator', 'admin'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** What the authorizer puts in `requestContext.authorizer` (API Gateway passes strings, numbers and booleans only). */
export const principalSchema = z.object({
  principalId: z.string().min(1),
  tenantId: z.string().min(1),
  role: roleSchema,
  authMethod: z.enum(['api-key', 'jwt']),
});
export type Principal = z.infer<typeof principalSchema>;
