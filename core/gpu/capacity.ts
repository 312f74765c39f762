import type { GpuPool, Site } from '../model/site.js';
import { gpuSpeed } from '../optimizer/physics.js';
import { type GpuInventory, schedulableGpus } from './inventory.js';
import { openModels, tensorParallelToFit } from './models.js';

/** One model on one pool: what the pool can serve of it with the GPUs that take work now. */
export interface ModelCapacity {
  readonly siteId: string;
  readonly poolId: string;
  readonly modelId: string;
  /** GPUs per replica (tensor-parallel size) that hold the model in memory. */
  readonly gpusPerReplica: number;
  readonly replicas: number;
  /** Output tokens per second at full batch, all replicas. */
  readonly tokensPerSec: number;
  /** Seconds before a cold replica serves. */
  readonly warmupSeconds: number;
}

/** Models the pool lists a throughput for and whose weights fit its GPUs, with their tensor-parallel size. */
export function servableModels(pool: GpuPool): Array<{ modelId: string; gpusPerReplica: number }> {
  return Object.keys(pool.throughputTokensPerSecByModel)
    .sort()
    .flatMap((modelId) => {
      const spec = openModels[modelId];
      const gpusPerReplica = spec ? tensorParallelToFit(spec, pool.memoryGb) : undefined;
      return gpusPerReplica === undefined ? [] : [{ modelId, gpusPerReplica }];
    });
}

/** Capacity per model per pool of a site, counting only schedulable GPUs (cordoned and draining nodes excluded). */
export function modelCapacity(site: Site, inventory: GpuInventory): ModelCapacity[] {
  return site.gpuPools.flatMap((pool) => {
    const gpus = schedulableGpus(inventory, site.id, pool.id);
    return servableModels(pool).map(({ modelId, gpusPerReplica }) => {
      const replicas = Math.floor(gpus / gpusPerReplica);
      return {
        siteId: site.id,
        poolId: pool.id,
        modelId,
        gpusPerReplica,
        replicas,
        tokensPerSec: replicas * gpusPerReplica * pool.throughputTokensPerSecByModel[modelId]!,
        warmupSeconds: pool.modelWarmupSeconds,
      };
    });
  });
}

/**
 * The site as the optimizer should see it (SiteProblem.site): each pool counts only its schedulable GPUs and lists
 * only the models that fit its memory; a pool with none left is dropped. The optimizer's H100-equivalent work unit
 * (gpuSpeed) then follows from what can actually serve.
 */
export function siteForOptimizer(site: Site, inventory: GpuInventory): Site {
  const gpuPools = site.gpuPools.flatMap((pool) => {
    const count = schedulableGpus(inventory, site.id, pool.id);
    const models = servableModels(pool);
    if (count === 0 || models.length === 0) return [];
    const throughput = Object.fromEntries(
      models.map((m) => [m.modelId, pool.throughputTokensPerSecByModel[m.modelId]!]),
    );
    return [{ ...pool, count, throughputTokensPerSecByModel: throughput }];
  });
  return { ...site, gpuPools };
}

/** H100-equivalent GPU-hours per hour each site can serve now: the optimizer's demand unit. */
export function servingCapacityGpuHoursPerHour(site: Site, inventory: GpuInventory): number {
  return siteForOptimizer(site, inventory).gpuPools.reduce((sum, pool) => sum + pool.count * gpuSpeed(pool), 0);
}

/** Every GPU installed at these sites, serving or not. */
export function installedGpus(sites: readonly Site[]): number {
  return sites.reduce((sum, site) => sum + site.gpuPools.reduce((n, pool) => n + pool.count, 0), 0);
}
