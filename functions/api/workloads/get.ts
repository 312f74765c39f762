import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { workloadPathSchema } from '../../../core/api/workloads.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, notFound, parsePath, tenantApiHandler } from '../handler.js';

/** GET /v1/workloads/{workloadId}: read inside the caller's tenant only, so another tenant's id is a plain 404. */
export async function getWorkload({ event, principal, runtime }: ApiRequest) {
  const { workloadId } = parsePath(event, workloadPathSchema);
  const workload = await runtime.workloads.get(principal.tenantId, workloadId);
  if (!workload) throw notFound('workload', workloadId);
  return jsonResponse(200, workload);
}

export const handler = tenantApiHandler(CUSTOMER_ROLES, getWorkload);
