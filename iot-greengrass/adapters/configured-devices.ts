import { expandAddresses, type GatewayConfig } from '../../core/fleet/site-config.js';
import type { GatewayDevice } from './device-port.js';

/** Braiins OS+ serves its API over HTTP on 80; LuxOS and stock cgminer on TCP 4028 (cgminer API-README). */
const DEFAULT_PORT = { luxos: 4028, cgminer: 4028, braiins: 80 } as const;
/** vLLM's OpenAI-compatible server listens on 8000 unless told otherwise (docs.vllm.ai, `vllm serve`). */
const GPU_NODE_DEFAULT_PORT = 8000;

/**
 * The devices a site configuration names: every address of each ASIC group (ranges expanded) and every node endpoint
 * of each GPU pool, as `<group>-<n>` (1-based, in address order), so a device keeps its id while its group's
 * addresses are unchanged.
 */
export function devicesOf(config: GatewayConfig): GatewayDevice[] {
  const device = (kind: GatewayDevice['kind'], groupId: string, endpoint: string, index: number): GatewayDevice => {
    const at = endpoint.lastIndexOf(':');
    return {
      id: `${groupId}-${index + 1}`,
      kind,
      groupId,
      address: endpoint.slice(0, at),
      port: Number(endpoint.slice(at + 1)),
    };
  };
  return [
    ...config.asicGroups.flatMap((g) =>
      expandAddresses(g.addresses, DEFAULT_PORT[g.driver]).map((e, i) => device('asic', g.id, e, i)),
    ),
    ...config.gpuPools.flatMap((p) =>
      p.nodeEndpoints
        .map((e) => (e.includes(':') ? e : `${e}:${GPU_NODE_DEFAULT_PORT}`))
        .map((e, i) => device('gpu', p.id, e, i)),
    ),
  ];
}
