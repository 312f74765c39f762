import { CUSTOMER_ROLES } from '../../../core/api/access.js';
import { CANCELLABLE_STATUSES, workloadPathSchema } from '../../../core/api/workloads.js';
import { HttpError, jsonResponse } from '../../shared/http.js';
import { logger } from '../../shared/powertools.js';
import {
  type ApiRequest,
  auditCommitted,
  auditWrites,
  notFound,
  nowIso,
  parsePath,
  tenantApiHandler,
} from '../handler.js';
import { jobCancelPublisher } from './job-cancels.js';

/**
 * POST /v1/workloads/{workloadId}/cancel: only from a cancellable status (409 otherwise, naming the status); a job
 * already at a site is also cancelled there.
 */
export async function cancelWorkload(request: ApiRequest) {
  const { event, principal, runtime } = request;
  const { workloadId } = parsePath(event, workloadPathSchema);
  // The audit event rides in the cancel's own transaction: stored exactly when the cancel is.
  const audited = auditWrites(request, 'workload.cancel', `workload/${workloadId}`);
  const result = await runtime.workloads.cancel(principal.tenantId, workloadId, nowIso(request), audited.items);
  if (!result.ok && result.reason === 'not-found') throw notFound('workload', workloadId);
  if (!result.ok) {
    throw new HttpError(
      409,
      'not-cancellable',
      `workload ${workloadId} is ${result.status}; only ${CANCELLABLE_STATUSES.join(', ')} can be cancelled`,
      [{ field: 'status', rule: 'not_cancellable', message: `status is ${result.status}` }],
    );
  }
  auditCommitted(request, audited);
  const { siteId } = result.workload;
  if (siteId) {
    // Handed to a site already: tell its worker to drop or stop it. The cancellation stands either way (a job the
    // site still runs is not billed); a lost message only costs the site the GPU time.
    await jobCancelPublisher()
      .publish({ jobId: workloadId, tenantId: principal.tenantId, siteId, cancelledAt: nowIso(request) })
      .catch((error: unknown) => logger.warn('job cancel not sent to the site', { workloadId, siteId, error }));
  }
  return jsonResponse(200, result.workload);
}

export const handler = tenantApiHandler(CUSTOMER_ROLES, cancelWorkload);
