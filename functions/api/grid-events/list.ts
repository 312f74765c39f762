import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { gridEventsQuerySchema } from '../../../core/api/grid-events.js';
import { GRID_EVENT_CURSOR_FIELDS } from '../../shared/data/grid-event-store.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, parseCursor, parseQuery, readPage } from '../handler.js';
import { gridEventSources } from './sources.js';

/** GET /v1/grid-events?limit=N&cursor=C: every site's grid events, newest first; `nextCursor` while more remain. */
export async function listGridEvents({ event, runtime }: ApiRequest) {
  const { limit, cursor } = parseQuery(event, gridEventsQuerySchema);
  const after = parseCursor(cursor, GRID_EVENT_CURSOR_FIELDS);
  const page = await readPage(after, () => gridEventSources(runtime).events.list(limit, after));
  return jsonResponse(200, page);
}

export const handler = apiHandler(OPERATOR_ROLES, listGridEvents);
