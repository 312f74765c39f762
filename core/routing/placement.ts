import { openModels, tensorParallelToFit } from '../gpu/models.js';
import type { PoolState } from './types.js';

/** GPUs that serve one model from one instant on: warm replicas from now, a warming one from its ready time. */
export interface ServingGroup {
  readonly gpus: number;
  readonly readyAtMs: number;
}

/**
 * Where a model can run on a pool: `warm` serves on the GPUs already holding it; `scaleOut` adds one replica on free
 * GPUs, ready after the pool's warm-up. Undefined when the pool does not serve the model or its weights do not fit.
 */
export interface PlacementOptions {
  readonly gpusPerReplica: number;
  readonly tokensPerSecPerGpu: number;
  readonly warm: readonly ServingGroup[];
  readonly scaleOut?: ServingGroup;
}

/** GPUs of the pool not holding any model, within what the plan has serving. */
export function freeGpus(pool: PoolState): number {
  const held = Object.values(pool.warmGpusByModel).reduce((sum, gpus) => sum + gpus, 0);
  return Math.max(0, pool.gpusServing - held);
}

/** The smallest tensor-parallel group that holds the model on this pool, if any. */
export function gpusPerReplica(pool: PoolState, modelId: string): number | undefined {
  const spec = openModels[modelId];
  if (!spec || pool.throughputTokensPerSecByModel[modelId] === undefined) return undefined;
  return tensorParallelToFit(spec, pool.gpuMemoryGb);
}

/**
 * A model lands only on a pool whose GPU memory holds it, where it is warm or free GPUs can warm it; a cold start
 * counts the pool's warm-up, and nothing starts before the pool's capacity is (back) in the plan.
 */
export function placementOptions(pool: PoolState, modelId: string, nowMs: number): PlacementOptions | undefined {
  const replica = gpusPerReplica(pool, modelId);
  if (replica === undefined) return undefined;
  const fromMs = Math.max(nowMs, pool.availableFromMs ?? nowMs);
  // A plan that shrank the pool leaves fewer warm GPUs serving than hold weights.
  const warmGpus = Math.min(pool.warmGpusByModel[modelId] ?? 0, pool.gpusServing);
  const warm =
    warmGpus > 0 ? [{ gpus: warmGpus, readyAtMs: Math.max(fromMs, pool.readyAtMsByModel?.[modelId] ?? fromMs) }] : [];
  const scaleOut =
    freeGpus(pool) >= replica ? { gpus: replica, readyAtMs: fromMs + pool.warmupSeconds * 1000 } : undefined;
  return {
    gpusPerReplica: replica,
    tokensPerSecPerGpu: pool.throughputTokensPerSecByModel[modelId]!,
    warm,
    ...(scaleOut ? { scaleOut } : {}),
  };
}

/**
 * When `gpuSeconds` of work ahead-and-including a job is done by groups that each start at their ready time (fluid
 * model of batched serving: every ready GPU works at full batch). Undefined with no GPUs.
 */
export function finishTimeMs(groups: readonly ServingGroup[], gpuSeconds: number): number | undefined {
  const sorted = [...groups].filter((g) => g.gpus > 0).sort((a, b) => a.readyAtMs - b.readyAtMs);
  if (sorted.length === 0) return undefined;
  let gpus = 0;
  let atMs = sorted[0]!.readyAtMs;
  let left = gpuSeconds;
  for (let i = 0; i < sorted.length; i++) {
    gpus += sorted[i]!.gpus;
    atMs = Math.max(atMs, sorted[i]!.readyAtMs);
    const nextMs = sorted[i + 1]?.readyAtMs ?? Number.POSITIVE_INFINITY;
    const doneMs = atMs + (left / gpus) * 1000;
    if (doneMs <= nextMs) return doneMs;
    left -= (gpus * (nextMs - atMs)) / 1000;
    atMs = nextMs;
  }
  return atMs;
}
