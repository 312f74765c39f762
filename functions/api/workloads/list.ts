import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { listWorkloadsQuerySchema, workloadFilterOf } from '../../../core/api/workloads.js';
import { workloadCursorFields } from '../../shared/data/workload-store.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, parseCursor, parseQuery, readPage, tenantApiHandler } from '../handler.js';

/** GET /v1/workloads: the caller's tenant's workloads, oldest first, filtered, one page per call. */
export async function listWorkloads({ event, principal, runtime }: ApiRequest) {
  const query = parseQuery(event, listWorkloadsQuerySchema);
  const filter = workloadFilterOf(query);
  const after = parseCursor(query.cursor, workloadCursorFields(filter));
  return jsonResponse(
    200,
    await readPage(after, () => runtime.workloads.list(principal.tenantId, filter, query.limit, after)),
  );
}

export const handler = tenantApiHandler(CUSTOMER_ROLES, listWorkloads);
