import { tokenWork } from '../gpu/models.js';
import type { Site } from '../model/site.js';
import { gpuSpeed } from '../optimizer/physics.js';
import type { FlexCohort } from '../optimizer/types.js';
import type { RoutableJob } from './types.js';

/** The inference work a site's plan must power GPUs for, in the optimizer's units (H100-equivalent GPU-hours). */
export interface SiteWorkDemand {
  /** Guaranteed work waiting or running: served in the first interval, or it pays the SLA penalty. */
  readonly guaranteedGpuHours: number;
  /** Flex work by when it falls due. */
  readonly flexBacklog: readonly FlexCohort[];
}

export interface OpenJob {
  readonly job: RoutableJob;
  /** Where it is queued; absent while it waits to be routed. */
  readonly siteId?: string;
}

const HOUR_MS = 3_600_000;

/**
 * The open jobs (waiting or handed to a site) as each site's demand: a queued job counts at its site, a waiting one
 * is shared among the sites that serve its model in proportion to their GPUs (the router will place it on one of
 * them). A job's GPU-hours are its tokens at the serving pool's speed, in H100 equivalents.
 */
export function workDemandBySite(
  jobs: readonly OpenJob[],
  sites: readonly Site[],
  nowMs: number,
): Record<string, SiteWorkDemand> {
  const guaranteed = new Map<string, number>();
  const flex = new Map<string, Map<number, number>>();
  const add = (siteId: string, job: RoutableJob, gpuHours: number) => {
    if (job.tier === 'guaranteed') guaranteed.set(siteId, (guaranteed.get(siteId) ?? 0) + gpuHours);
    else {
      const due = Math.max(0, Math.ceil((job.deadlineMs - nowMs) / HOUR_MS));
      const cohorts = flex.get(siteId) ?? new Map<number, number>();
      cohorts.set(due, (cohorts.get(due) ?? 0) + gpuHours);
      flex.set(siteId, cohorts);
    }
  };
  for (const { job, siteId } of jobs) {
    const serving = sites.flatMap((site) =>
      site.gpuPools
        .filter((pool) => (pool.throughputTokensPerSecByModel[job.modelId] ?? 0) > 0)
        .filter(() => siteId === undefined || site.id === siteId)
        .map((pool) => ({ siteId: site.id, pool })),
    );
    const gpus = serving.reduce((s, x) => s + x.pool.count, 0);
    for (const { siteId: at, pool } of serving) {
      const h100Hours = (tokenWork(job) / pool.throughputTokensPerSecByModel[job.modelId]! / 3600) * gpuSpeed(pool);
      add(at, job, gpus > 0 ? (h100Hours * pool.count) / gpus : 0);
    }
  }
  return Object.fromEntries(
    sites.map((site) => [
      site.id,
      {
        guaranteedGpuHours: guaranteed.get(site.id) ?? 0,
        flexBacklog: [...(flex.get(site.id) ?? new Map<number, number>()).entries()]
          .sort(([a], [b]) => a - b)
          .map(([dueInHours, gpuHours]) => ({ dueInHours, gpuHours })),
      },
    ]),
  );
}
