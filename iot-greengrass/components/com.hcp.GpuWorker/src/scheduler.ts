import type { SiteJob } from '../../../../core/routing/site-messages.js';
import { enginePriority } from '../../../../core/serving/tiers.js';
import type { WorkerNode } from './config.js';

/** Guaranteed before flex before bid work (core/serving/tiers.ts). */
export const tierRank = (job: Pick<SiteJob, 'tier'>) => enginePriority(job.tier);

/** The order jobs wait and start in: guaranteed first, then earliest deadline, then job id. */
export const byPriority = (a: SiteJob, b: SiteJob) =>
  tierRank(a) - tierRank(b) || a.deadline.localeCompare(b.deadline) || a.jobId.localeCompare(b.jobId);

export interface Placement {
  readonly job: SiteJob;
  readonly node: WorkerNode;
}

/**
 * Where waiting jobs start now: in priority order, each on the least busy node that serves it and has a free slot
 * (ties to the lowest node id). A job placed here counts towards its node's load for the jobs after it. Pure.
 */
export function placeJobs(
  waiting: readonly SiteJob[],
  nodes: readonly WorkerNode[],
  serves: (node: WorkerNode, job: SiteJob) => boolean,
  runningOn: (nodeId: string) => number,
): Placement[] {
  const placedOn = new Map<string, number>();
  const load = (n: WorkerNode) => runningOn(n.nodeId) + (placedOn.get(n.nodeId) ?? 0);
  const placements: Placement[] = [];
  for (const job of [...waiting].sort(byPriority)) {
    const node = nodes
      .filter((n) => serves(n, job))
      .filter((n) => load(n) < n.maxConcurrentJobs)
      .sort((a, b) => load(a) - load(b) || a.nodeId.localeCompare(b.nodeId))[0];
    if (!node) continue;
    placedOn.set(node.nodeId, (placedOn.get(node.nodeId) ?? 0) + 1);
    placements.push({ job, node });
  }
  return placements;
}

/** The site's waiting jobs, kept in priority order. */
export class PendingJobs {
  private readonly jobs: SiteJob[] = [];

  get size(): number {
    return this.jobs.length;
  }

  add(job: SiteJob): void {
    this.jobs.push(job);
    this.jobs.sort(byPriority);
  }

  /** The waiting jobs, in priority order. */
  list(): readonly SiteJob[] {
    return [...this.jobs];
  }

  /** Takes out the first waiting job with this id. */
  remove(jobId: string): SiteJob | undefined {
    const at = this.jobs.findIndex((j) => j.jobId === jobId);
    return at < 0 ? undefined : this.jobs.splice(at, 1)[0];
  }

  /** Takes out every waiting job that matches, in priority order. */
  takeWhere(matches: (job: SiteJob) => boolean): SiteJob[] {
    const taken = this.jobs.filter(matches);
    for (const job of taken) this.jobs.splice(this.jobs.indexOf(job), 1);
    return taken;
  }

  /** Takes out the jobs that start now (placeJobs) and returns where each goes. */
  place(
    nodes: readonly WorkerNode[],
    serves: (node: WorkerNode, job: SiteJob) => boolean,
    runningOn: (nodeId: string) => number,
  ): Placement[] {
    const placements = placeJobs(this.jobs, nodes, serves, runningOn);
    for (const { job } of placements) this.jobs.splice(this.jobs.indexOf(job), 1);
    return placements;
  }
}
