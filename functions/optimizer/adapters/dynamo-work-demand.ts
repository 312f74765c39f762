import type { Site } from '../../../core/model/site.js';
import { type SiteWorkDemand, workDemandBySite } from '../../../core/routing/demand.js';
import type { DynamoJobStore } from '../../shared/data/job-store.js';
import type { WorkDemandSource } from '../ports.js';

/** How many waiting jobs one dispatch reads; beyond that the plan catches up at the next one. */
const MAX_WAITING = 2000;

/** The router's open jobs (waiting, and queued at each site) as the optimizer's demand. */
export class DynamoWorkDemand implements WorkDemandSource {
  constructor(
    private readonly jobs: Pick<DynamoJobStore, 'pending' | 'queuedAt'>,
    /** The sites whose queues count: a list, or a read of the fleet at each dispatch (the registry). */
    private readonly sites: readonly Site[] | (() => Promise<readonly Site[]>),
    /** The jobs' clock when it is not the plan's (the local platform: wall-clock API, simulated dispatch). */
    private readonly jobsNowMs?: () => number,
  ) {}

  async load(planNowMs: number): Promise<Readonly<Record<string, SiteWorkDemand>>> {
    const nowMs = this.jobsNowMs?.() ?? planNowMs;
    const sites = typeof this.sites === 'function' ? await this.sites() : this.sites;
    const [waiting, ...queued] = await Promise.all([
      this.jobs.pending(MAX_WAITING),
      ...sites.map((site) => this.jobs.queuedAt(site.id)),
    ]);
    const open = [
      ...waiting!.map((w) => ({ job: w.state.job })),
      ...queued.flat().map((q) => ({ job: q.state.job, ...(q.state.siteId ? { siteId: q.state.siteId } : {}) })),
    ];
    return workDemandBySite(open, sites, nowMs);
  }
}
