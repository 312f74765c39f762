import { ADMIN_ROLES } from '../../../core/api/access.js';
import { auditQuerySchema } from '../../../core/api/audit.js';
import { listAudit } from '../../shared/data/audit-log.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, parseCursor, parseQuery, readPage } from '../handler.js';

/** GET /v1/audit[?chain=] (admin): a chain's entries, oldest first; the default chain is the admin's own tenant's. */
export async function listAuditEntries({ event, principal, runtime }: ApiRequest) {
  const query = parseQuery(event, auditQuerySchema);
  const chain = query.chain ?? principal.tenantId;
  const after = parseCursor(query.cursor, ['sk']);
  return jsonResponse(200, await readPage(after, () => listAudit(runtime.audit, chain, query.limit, after)));
}

export const handler = apiHandler(ADMIN_ROLES, listAuditEntries);
