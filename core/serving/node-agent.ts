import { z } from 'zod';
import { servingEngineSchema } from '../gpu/model-catalog.js';

/**
 * The node agent's API: HTTP on each GPU node, spoken by the real agent (one serving-engine process per model: vLLM
 * cannot load another base model into a running server, iot-greengrass/node-agent/) and by the virtual GPU nodes
 * (sim/devices/gpu). Routes, all JSON:
 * - `GET  /agent/v1/replicas`: the node's replicas (`replicaViewSchema[]` under `replicas`)
 * - `POST /agent/v1/load`: start a replica (`loadReplicaSchema`); 202 with its view in `loading`
 * - `POST /agent/v1/drain`: stop taking requests, finish the running ones, then stop (`replicaKeySchema`)
 * - `POST /agent/v1/unload`: stop at once; requests still running are aborted with their progress
 * A replica moves loading → warming → ready → draining → (gone); it may drain from any state.
 */
export const replicaStateSchema = z.enum(['loading', 'warming', 'ready', 'draining']);
export type ReplicaState = z.infer<typeof replicaStateSchema>;

const NEXT_STATES: Readonly<Record<ReplicaState, readonly ReplicaState[]>> = {
  loading: ['warming', 'draining'],
  warming: ['ready', 'draining'],
  ready: ['draining'],
  draining: [],
};

/** Whether the state machine allows `from` → `to`. */
export function mayMove(from: ReplicaState, to: ReplicaState): boolean {
  return NEXT_STATES[from].includes(to);
}

/**
 * Share of the warm-up spent loading weights (NVMe to device memory); the rest is the engine's warm-up (KV-cache
 * profiling, CUDA-graph capture), which vLLM logs separately at start-up.
 */
export const LOADING_SHARE_OF_WARMUP = 0.7;

/** Where a replica started `startedAtMs` with `warmupSeconds` stands at `nowMs`, unless it is draining. */
export function warmupPhaseAt(startedAtMs: number, warmupSeconds: number, nowMs: number): ReplicaState {
  const elapsedMs = nowMs - startedAtMs;
  if (elapsedMs >= warmupSeconds * 1000) return 'ready';
  return elapsedMs >= warmupSeconds * 1000 * LOADING_SHARE_OF_WARMUP ? 'warming' : 'loading';
}

const modelId = z.string().min(1).max(128);
const version = z.string().min(1).max(64);

export const replicaKeySchema = z.strictObject({ modelId, version });
export type ReplicaKey = z.infer<typeof replicaKeySchema>;

export const loadReplicaSchema = z.strictObject({
  modelId,
  version,
  weightsUri: z.string().min(1).max(512),
  engine: servingEngineSchema,
  tensorParallelSize: z.number().int().min(1).max(8),
  warmupSeconds: z.number().int().min(1).max(3600),
});
export type LoadReplica = z.infer<typeof loadReplicaSchema>;

export const replicaViewSchema = z.object({
  modelId,
  version,
  state: replicaStateSchema,
  gpuIndexes: z.array(z.number().int().min(0)),
  startedAtMs: z.number(),
  readyAtMs: z.number(),
  /** Requests in the engine's batch and waiting for it. */
  runningRequests: z.number().int().min(0),
  waitingRequests: z.number().int().min(0),
});
export type ReplicaView = z.infer<typeof replicaViewSchema>;

export const replicaListSchema = z.object({ replicas: z.array(replicaViewSchema) });

export const AGENT_ROUTES = {
  replicas: '/agent/v1/replicas',
  load: '/agent/v1/load',
  drain: '/agent/v1/drain',
  unload: '/agent/v1/unload',
} as const;
