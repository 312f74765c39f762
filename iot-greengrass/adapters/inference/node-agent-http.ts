import {
  AGENT_ROUTES,
  type LoadReplica,
  type ReplicaKey,
  type ReplicaView,
  replicaListSchema,
} from '../../../core/serving/node-agent.js';
import { readError } from './openai-http.js';
import type { AgentOutcome, NodeAgentPort } from './port.js';

/**
 * The node agent's HTTP API (core/serving/node-agent.ts), as the real agent (iot-greengrass/node-agent/) and the
 * virtual GPU nodes serve it. A node that does not answer reads as undefined (its replicas unknown, not none).
 */
export function nodeAgentHttp(options: { readonly timeoutMs?: number } = {}): NodeAgentPort {
  const timeoutMs = options.timeoutMs ?? 5000;
  async function post(agentUrl: string, path: string, body: LoadReplica | ReplicaKey): Promise<AgentOutcome> {
    try {
      const response = await fetch(`${agentUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return response.ok ? { ok: true } : { ok: false, status: response.status, detail: await readError(response) };
    } catch (error) {
      return { ok: false, status: 0, detail: String(error) };
    }
  }
  return {
    async replicas(agentUrl): Promise<readonly ReplicaView[] | undefined> {
      try {
        const response = await fetch(`${agentUrl}${AGENT_ROUTES.replicas}`, { signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) return undefined;
        const parsed = replicaListSchema.safeParse(await response.json());
        return parsed.success ? parsed.data.replicas : undefined;
      } catch {
        return undefined;
      }
    },
    load: (agentUrl, request) => post(agentUrl, AGENT_ROUTES.load, request),
    // Only the key: the agent's schema is strict, and a caller may hold a whole replica view or load request.
    drain: (agentUrl, { modelId, version }) => post(agentUrl, AGENT_ROUTES.drain, { modelId, version }),
    unload: (agentUrl, { modelId, version }) => post(agentUrl, AGENT_ROUTES.unload, { modelId, version }),
  };
}
