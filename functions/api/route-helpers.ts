import { errorResponseSchema } from '../../core/api/errors.js';

/** What every route table shares: the error responses by status code and the lazy handler import. */

export const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: `error.issues` names each field and rule',
  401: 'No valid credentials',
  403: 'The caller’s role may not do this',
  404: 'Not found in the caller’s tenant',
  409: 'Conflicts with the current state',
  412: 'If-Match names a version the resource has moved past: read it again',
  413: 'Body too large',
  415: 'Body is not JSON',
  429: 'Throttled by the caller’s usage plan: retry after `Retry-After` seconds',
  422: 'Well-formed but refused, naming the rule: an Idempotency-Key reused with a different body, a CSR not signed',
  500: 'Internal error (never for bad input)',
  503: 'A store the route reads is not available (the telemetry history before it is configured)',
};

/** The error responses of a route: every route can answer 400/401/403/500; `extra` adds its own. */
export function errorResponses(...extra: number[]) {
  const codes = [400, 401, 403, 500, ...extra];
  return Object.fromEntries(
    codes.map((code) => [code, { description: ERROR_DESCRIPTIONS[code]!, schema: errorResponseSchema }]),
  );
}

export const BODY_ERRORS = [413, 415] as const;
/** A route's handler from its lazily imported module. */
export const loadHandler = (module: Promise<{ handler: unknown }>) => module.then((m) => m.handler as never);
