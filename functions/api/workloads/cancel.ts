import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { CANCELLABLE_STATUSES, workloadPathSchema } from '../../../core/api/workloads.js';
import { HttpError, jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, audit, notFound, nowIso, parsePath } from '../handler.js';

/** POST /v1/workloads/{workloadId}/cancel: only from a cancellable status (409 otherwise, naming the status). */
export async function cancelWorkload(request: ApiRequest) {
  const { event, principal, runtime } = request;
  const { workloadId } = parsePath(event, workloadPathSchema);
  const result = await runtime.workloads.cancel(principal.tenantId, workloadId, nowIso(request));
  if (!result.ok && result.reason === 'not-found') throw notFound('workload', workloadId);
  if (!result.ok) {
    throw new HttpError(
      409,
      'not-cancellable',
      `workload ${workloadId} is ${result.status}; only ${CANCELLABLE_STATUSES.join(', ')} can be cancelled`,
      [{ field: 'status', rule: 'not_cancellable', message: `status is ${result.status}` }],
    );
  }
  await audit(request, 'workload.cancel', `workload/${workloadId}`);
  return jsonResponse(200, result.workload);
}

export const handler = apiHandler(CUSTOMER_ROLES, cancelWorkload);
