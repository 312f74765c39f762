import type { APIGatewayProxyEvent } from 'aws-lambda';
import { z } from 'zod';
import { HttpError } from './http.js';

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

/** The verified principal of a request; a request without one never reached a handler legitimately, so 401. */
export function principalOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>): Principal {
  const parsed = principalSchema.safeParse(event.requestContext?.authorizer ?? {});
  if (!parsed.success) throw new HttpError(401, 'unauthenticated', 'no verified principal on the request');
  return parsed.data;
}

/** The principal, refused with 403 unless its role is one of `allowed`. */
export function requireRole(event: Pick<APIGatewayProxyEvent, 'requestContext'>, allowed: readonly Role[]): Principal {
  const principal = principalOf(event);
  if (!allowed.includes(principal.role)) {
    throw new HttpError(403, 'forbidden', `role ${principal.role} may not call this route`);
  }
  return principal;
}
