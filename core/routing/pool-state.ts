import { type GpuInventory, schedulableGpus } from '../gpu/inventory.js';
import { tokenWork } from '../gpu/models.js';
import type { GpuSetpoint, SitePlan } from '../model/plan.js';
import type { Site } from '../model/site.js';
import { gpuSpeed } from '../optimizer/physics.js';
import { intervalAt } from '../switching/diff.js';
import type { ModelRate } from './pricing.js';
import type { PoolLive, PoolState, RoutableJob, TierWork } from './types.js';

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

/** The time plans are dated by, and how a plan instant reads on the jobs' clock (they differ in the local platform). */
export interface PlanTime {
  nowMs(): number;
  /** A plan instant on the jobs' clock. */
  toJobMs(planMs: number): number;
}

const sum = (jobs: readonly RoutableJob[], per: (job: RoutableJob) => number): TierWork => ({
  guaranteed: jobs.filter((j) => j.tier === 'guaranteed').reduce((s, j) => s + per(j), 0),
  // Bid work waits behind flex and is counted with it (core/routing/router.ts workAhead).
  flex: jobs.filter((j) => j.tier !== 'guaranteed').reduce((s, j) => s + per(j), 0),
});

/**
 * One pool as the router sees it: the plan's GPUs serving now, what the site's workers report (warm models, sequence
 * speed and slots; only the models they can serve), and the work queued there, by model and tier.
 */
export function withLiveView(pool: PoolState, live: PoolLive | undefined, queued: readonly RoutableJob[]): PoolState {
  const models = new Set(queued.map((j) => j.modelId));
  const byModel = <T>(value: (model: string, jobs: RoutableJob[]) => T | undefined) =>
    Object.fromEntries(
      [...models].flatMap((m) => {
        const v = value(
          m,
          queued.filter((j) => j.modelId === m),
        );
        return v === undefined ? [] : [[m, v]];
      }),
    ) as Record<string, T>;
  const servable = live?.servableModels;
  return {
    ...pool,
    ...(servable
      ? {
          throughputTokensPerSecByModel: Object.fromEntries(
            Object.entries(pool.throughputTokensPerSecByModel).filter(([m]) => servable.includes(m)),
          ),
        }
      : {}),
    warmGpusByModel: live?.warmGpusByModel ?? {},
    ...(live?.sequenceTokensPerSecByModel ? { sequenceTokensPerSecByModel: live.sequenceTokensPerSecByModel } : {}),
    ...(live?.sequenceSlotsByModel ? { sequenceSlotsByModel: live.sequenceSlotsByModel } : {}),
    backlogGpuSecondsByModel: byModel((m, jobs) => {
      const rate = pool.throughputTokensPerSecByModel[m];
      return rate ? sum(jobs, (j) => tokenWork(j) / rate) : undefined;
    }),
    backlogSequenceSecondsByModel: byModel((m, jobs) => {
      const tps = live?.sequenceTokensPerSecByModel?.[m];
      return tps ? sum(jobs, (j) => tokenWork(j) / tps) : undefined;
    }),
  };
}

/**
 * A site's pools in the plan: as the interval in force has them, except that a pool the plan has off now but serving
 * later in the horizon counts that later capacity from when it comes back (the router may queue work for it there).
 */
export function plannedPools(site: Site, sitePlan: SitePlan | undefined, time: PlanTime): PoolState[] {
  if (!sitePlan) return poolStatesFor(site, undefined, undefined);
  const nowMs = time.nowMs();
  const now = poolStatesFor(site, intervalAt(sitePlan, nowMs).gpuPools, undefined);
  const later = sitePlan.intervals.filter((i) => Date.parse(i.startsAt) > nowMs);
  return now.map((pool) => {
    if (pool.gpusServing > 0) return pool;
    for (const interval of later) {
      const back = poolStatesFor(site, interval.gpuPools, undefined).find((p) => p.poolId === pool.poolId);
      if (back && back.gpusServing > 0)
        return { ...back, availableFromMs: time.toJobMs(Date.parse(interval.startsAt)) };
    }
    return pool;
  });
}
