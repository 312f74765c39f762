import { randomUUID } from 'node:crypto';
import { OPERATOR_ROLES } from '../../../core/api/access.js';
import {
  type GpuNodeCommand,
  gpuNodeActionBodySchema,
  gpuNodeActionPathSchema,
} from '../../../core/gpu/node-messages.js';
import { jsonResponse } from '../../shared/http.js';
import { type ApiRequest, apiHandler, audit, notFound, nowIso, parseBody, parsePath } from '../handler.js';
import { type GpuNodeCommandPublisher, gpuNodeCommandPublisher } from './gpu-node-commands.js';
import { operatorSources, siteOf } from './views.js';

/**
 * POST /v1/sites/{siteId}/gpu-nodes/{nodeId}/{cordon|drain|uncordon}: an operator takes a node out of service or
 * brings it back. The command goes to the site's GpuWorker over IoT (QoS 1) and is audited; 202: it is sent, and the
 * node's new state shows in GET .../gpu-nodes once the worker reports it. A node the site has never reported is a 404.
 */
export async function commandGpuNode(request: ApiRequest, publisher: GpuNodeCommandPublisher) {
  const { event, principal, runtime } = request;
  const { siteId, nodeId, action } = parsePath(event, gpuNodeActionPathSchema);
  const { reason } = parseBody(event, gpuNodeActionBodySchema);
  const sources = operatorSources(runtime);
  await siteOf(sources, siteId);
  const stored = await sources.gpuNodes.get(siteId);
  if (!stored?.report.nodes.some((n) => n.nodeId === nodeId)) throw notFound('GPU node', `${siteId}/${nodeId}`);
  const command: GpuNodeCommand = {
    commandId: randomUUID(),
    siteId,
    nodeId,
    action,
    issuedAt: nowIso(request),
    reason,
    by: principal.principalId,
  };
  await publisher.publish(command);
  await audit(request, `gpu-node.${action}`, `${siteId}/${nodeId}`, { reason, commandId: command.commandId });
  return jsonResponse(202, { command });
}

export const handler = apiHandler(OPERATOR_ROLES, (request) => commandGpuNode(request, gpuNodeCommandPublisher()));
