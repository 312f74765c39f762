import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { summarizeUsage, usageQuerySchema } from '../../../core/api/usage.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, parseQuery, tenantApiHandler } from '../handler.js';

/** GET /v1/usage?period=YYYY-MM: the tenant's usage records of the month, summed (zeros when there are none). */
export async function getUsage({ event, principal, runtime }: ApiRequest) {
  const { period } = parseQuery(event, usageQuerySchema);
  const records = await runtime.workloads.usageRecords(principal.tenantId, period);
  return jsonResponse(200, summarizeUsage(principal.tenantId, period, records));
}

export const handler = tenantApiHandler(CUSTOMER_ROLES, getUsage);
