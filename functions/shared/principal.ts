import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type Principal, principalSchema, type Role } from '../../core/api/principal.js';
import { HttpError } from './http.js';

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
