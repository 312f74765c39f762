import { tokenWork } from '../../../core/gpu/models.js';
import type { Site } from '../../../core/model/site.js';
import { JobBook, type ReportResult } from '../../../core/routing/job-book.js';
import { modelRateOf, poolStatesFor } from '../../../core/routing/pool-state.js';
import { routeJobs } from '../../../core/routing/router.js';
import { siteJobReportTopic, siteJobTopic } from '../../../core/routing/site-messages.js';
import type { PoolState, RoutableJob, RoutingDecision, TierWork } from '../../../core/routing/types.js';
import type { MessagingPort } from '../../../iot-greengrass/adapters/messaging/port.js';

/** What the cloud knows about a pool beyond the site model: the warm model, its sequence speed and slots. */
export interface PoolLive {
  readonly modelId: string;
  readonly warmGpus: number;
  readonly sequenceTokensPerSec: number;
  readonly sequenceSlots: number;
}

/**
 * The cloud side of issue 7 as the other engineers' API will wire it, in-process: a job book, the router run on every
 * arrival and requeue, site jobs published to each site's queue topic and reports taken from `job-reports`.
 */
export class CloudStandIn {
  readonly book: JobBook;
  readonly effects: ReportResult[] = [];
  readonly decisions: RoutingDecision[] = [];
  private readonly gpusServing = new Map<string, number>();

  constructor(
    private readonly sites: readonly Site[],
    private readonly live: Readonly<Record<string, PoolLive>>,
    private readonly messaging: MessagingPort,
    private readonly clock: () => number,
  ) {
    this.book = new JobBook({ rateOf: (s, p, m) => modelRateOf(sites, s, p, m) });
  }

  async start(): Promise<void> {
    for (const site of this.sites) {
      await this.messaging.subscribe('cloud', siteJobReportTopic(site.id), (_topic, payload) => {
        const result = this.book.report(JSON.parse(payload.toString('utf8')));
        this.effects.push(result);
        if (result.ok && result.effect === 'requeued') void this.route();
      });
    }
  }

  /** The plan's GPUs serving for a site's pool, as OptimizeFlow would persist it. */
  setGpusServing(siteId: string, poolId: string, gpus: number): void {
    this.gpusServing.set(`${siteId}/${poolId}`, gpus);
  }

  async submit(jobs: readonly RoutableJob[]): Promise<void> {
    for (const job of jobs) this.book.submit(job);
    await this.route();
  }

  async route(): Promise<void> {
    const { decisions } = routeJobs(this.pools(), this.book.pending(), this.clock());
    for (const decision of decisions) {
      this.decisions.push(decision);
      const message = this.book.applyDecision(decision);
      if (message && decision.kind === 'assigned') {
        await this.messaging.publish('cloud', siteJobTopic(decision.siteId), JSON.stringify(message), 1);
      }
    }
  }

  /** The current plan's capacity, the warm models, and the backlog of every job handed to a site and not yet ended. */
  private pools(): PoolState[] {
    return this.sites.flatMap((site) =>
      poolStatesFor(site, undefined, undefined).map((pool) => {
        const key = `${site.id}/${pool.poolId}`;
        const live = this.live[key]!;
        const open = this.book.all().filter((e) => e.status === 'queued' && e.siteId === site.id);
        const backlog = (per: (job: RoutableJob) => number): TierWork => ({
          guaranteed: open.filter((e) => e.job.tier === 'guaranteed').reduce((s, e) => s + per(e.job), 0),
          flex: open.filter((e) => e.job.tier === 'flex').reduce((s, e) => s + per(e.job), 0),
        });
        const rate = pool.throughputTokensPerSecByModel[live.modelId]!;
        return {
          ...pool,
          gpusServing: this.gpusServing.get(key) ?? pool.gpusServing,
          warmGpusByModel: { [live.modelId]: live.warmGpus },
          sequenceTokensPerSecByModel: { [live.modelId]: live.sequenceTokensPerSec },
          sequenceSlotsByModel: { [live.modelId]: live.sequenceSlots },
          backlogGpuSecondsByModel: { [live.modelId]: backlog((j) => tokenWork(j) / rate) },
          backlogSequenceSecondsByModel: { [live.modelId]: backlog((j) => tokenWork(j) / live.sequenceTokensPerSec) },
        };
      }),
    );
  }
}
