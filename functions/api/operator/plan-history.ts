import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { encodeCursor } from '../../../core/api/pagination.js';
import { planPageQuerySchema } from '../../../core/operations/views.js';
import { HttpError, jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, parseCursor, parseQuery } from '../handler.js';
import { operatorSources } from './views.js';

const CURSOR_FIELDS = ['beforeVersion'] as const;

/** GET /v1/plans?limit=N&cursor=C: plan versions, newest first; `nextCursor` while older versions remain. */
export async function planHistory({ event, runtime }: ApiRequest) {
  const { limit, cursor } = parseQuery(event, planPageQuerySchema);
  const position = parseCursor(cursor, CURSOR_FIELDS);
  const beforeVersion = position ? Number(position.beforeVersion) : undefined;
  if (beforeVersion !== undefined && !(Number.isInteger(beforeVersion) && beforeVersion > 0)) {
    throw new HttpError(400, 'validation-failed', 'invalid query: cursor: not a cursor from this listing', [
      { field: 'cursor', rule: 'invalid_cursor', message: 'not a cursor from this listing' },
    ]);
  }
  const items = await operatorSources(runtime).plans.listHistory({
    limit,
    ...(beforeVersion ? { beforeVersion } : {}),
  });
  const oldest = items.at(-1)?.version;
  const more = items.length === limit && oldest !== undefined && oldest > 1;
  return jsonResponse(200, { items, ...(more ? { nextCursor: encodeCursor({ beforeVersion: String(oldest) }) } : {}) });
}

export const handler = apiHandler(OPERATOR_ROLES, planHistory);
