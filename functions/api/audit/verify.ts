import { ADMIN_ROLES } from '../../../core/api/access.js';
import { auditVerifyQuerySchema } from '../../../core/api/audit.js';
import { verifyAudit } from '../../shared/data/audit-log.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, parseQuery } from '../handler.js';

/** GET /v1/audit/verify[?chain=] (admin): recomputes the chain; names the first entry that does not verify. */
export async function verifyAuditChain({ event, principal, runtime }: ApiRequest) {
  const chain = parseQuery(event, auditVerifyQuerySchema).chain ?? principal.tenantId;
  return jsonResponse(200, { chain, ...(await verifyAudit(runtime.audit, chain)) });
}

export const handler = apiHandler(ADMIN_ROLES, verifyAuditChain);
