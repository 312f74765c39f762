import { type GpuInventory, schedulableGpus } from '../gpu/inventory.js';
import type { GpuSetpoint } from '../model/plan.js';
import type { Site } from '../model/site.js';
import { gpuSpeed } from '../optimizer/physics.js';
import type { ModelRate } from './pricing.js';
import type { PoolState } from './types.js';

/**
 * The router's view of a site's pools from the plan interval in force and the inventory: a pool serves the GPUs the
 * plan has serving, never more than its schedulable nodes hold. Warm models and backlog come from the site's workers
 * (empty when unknown: every model then counts its warm-up).
 */
export function poolStatesFor(
  site: Site,
  setpoints: readonly GpuSetpoint[] | undefined,
  inventory: GpuInventory | undefined,
  live: Readonly<Record<string, Pick<PoolState, 'warmGpusByModel' | 'backlogGpuSecondsByModel'>>> = {},
): PoolState[] {
  return site.gpuPools.map((pool) => {
    const planned = setpoints ? (setpoints.find((s) => s.poolId === pool.id)?.gpusServing ?? 0) : pool.count;
    const schedulable = inventory ? schedulableGpus(inventory, site.id, pool.id) : pool.count;
    return {
      siteId: site.id,
      poolId: pool.id,
      gpuMemoryGb: pool.memoryGb,
      gpusServing: Math.min(planned, schedulable),
      throughputTokensPerSecByModel: pool.throughputTokensPerSecByModel,
      warmupSeconds: pool.modelWarmupSeconds,
      gpuSpeed: gpuSpeed(pool),
      warmGpusByModel: live[pool.id]?.warmGpusByModel ?? {},
      ...(live[pool.id]?.backlogGpuSecondsByModel
        ? { backlogGpuSecondsByModel: live[pool.id]!.backlogGpuSecondsByModel }
        : {}),
    };
  });
}

/** The price rate of a model on a pool of the fleet, for metering; undefined when the pool does not serve it. */
export function modelRateOf(
  sites: readonly Site[],
  siteId: string,
  poolId: string,
  modelId: string,
): ModelRate | undefined {
  const pool = sites.find((s) => s.id === siteId)?.gpuPools.find((p) => p.id === poolId);
  const tps = pool?.throughputTokensPerSecByModel[modelId];
  return pool && tps !== undefined ? { tokensPerSecPerGpu: tps, gpuSpeed: gpuSpeed(pool) } : undefined;
}
