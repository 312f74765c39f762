import { OPERATOR_ROLES } from '../../../core/api/access.js';
import { sitePathSchema } from '../../../core/api/operations.js';
import type { GpuNodeList } from '../../../core/gpu/node-messages.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, parsePath } from '../handler.js';
import { operatorSources, siteOf } from './views.js';

/**
 * GET /v1/sites/{siteId}/gpu-nodes: the site's GPU nodes as its worker last reported them (pool, model, scheduling
 * state and who set it, health and its findings, running jobs, last seen). No report yet: an empty list with null times.
 */
export async function listGpuNodes({ event, runtime }: ApiRequest) {
  const { siteId } = parsePath(event, sitePathSchema);
  const sources = operatorSources(runtime);
  await siteOf(sources, siteId);
  const stored = await sources.gpuNodes.get(siteId);
  const body: GpuNodeList = {
    siteId,
    reportedAt: stored?.report.reportedAt ?? null,
    receivedAt: stored?.receivedAt ?? null,
    nodes: stored?.report.nodes ?? [],
  };
  return jsonResponse(200, body);
}

export const handler = apiHandler(OPERATOR_ROLES, listGpuNodes);
