import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { allSitesTopicFilter, parseSiteTopic } from '../../core/messages/topics.js';
import type { Site } from '../../core/model/site.js';
import type { Clock } from '../../core/support/clock.js';
import { type RegisteredFleet, routingSites } from '../../functions/fleet/registry-fleet.js';
import type { PartnerOverflowDeps } from '../../functions/partners/ports.js';
import type { PoolLiveSource, SiteJobPublisher, WorkloadEventsPort } from '../../functions/routing/ports.js';
import { applySiteReportWhenQueued, type SiteReportOutcome } from '../../functions/routing/report.js';
import { type PlanTime, type RouteSummary, routePending, switchingFrom } from '../../functions/routing/route.js';
import type { RoutingLog } from '../../functions/routing/transitions.js';
import { DynamoJobStore } from '../../functions/shared/data/job-store.js';
import { DynamoPlanStore } from '../../functions/shared/data/plan-store.js';
import { DynamoSwitchStateStore } from '../../functions/shared/data/switch-state-store.js';
import { DynamoWorkloadStore } from '../../functions/shared/data/workload-store.js';
import type { MessagingPort } from '../../iot-greengrass/adapters/messaging/port.js';
import { LocalSiteQueues, mqttSiteJobPublisher } from '../local/site-queues.js';

export interface LocalRoutingOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /**
   * The sites to route to: the registry, read at each run as the router Lambda does (a site registered through the
   * API is routed to from the next run, a draining one takes no new work), or a fixed list.
   */
  readonly sites: readonly Site[] | (() => Promise<Pick<RegisteredFleet, 'sites' | 'draining'>>);
  /** The cloud side's connection to the broker (IoT Core's place). */
  readonly messaging: MessagingPort;
  readonly clock: Clock;
  readonly events: WorkloadEventsPort;
  readonly live?: PoolLiveSource;
  /** Where the site queues' forwarder publishes site jobs. @default the broker through `messaging` */
  readonly publisher?: SiteJobPublisher;
  readonly planTime?: PlanTime;
  /**
   * How often the router looks for waiting jobs besides being kicked (the deployed router runs on the table's stream
   * and every minute). @default 250
   */
  readonly pollMs?: number;
  readonly log?: RoutingLog;
  /** Partner clouds for work no site can run in time (sim/platform/partner-overflow.ts). @default none */
  readonly partners?: PartnerOverflowDeps;
}

export interface LocalRouting {
  readonly jobs: DynamoJobStore;
  readonly queues: LocalSiteQueues;
  /** Routes now (coalesced: a kick during a run makes one more run after it). */
  kick(): Promise<void>;
  /** Every report outcome so far, in arrival order. */
  readonly reports: SiteReportOutcome[];
  readonly runs: RouteSummary[];
  stop(): Promise<void>;
}

/**
 * The cloud's workload routing on the local platform, on the same use cases as the Lambdas: the router
 * (functions/routing/route.ts) over DynamoDB Local, the site job queue and forwarder (sim/local/site-queues.ts) onto the
 * embedded broker, and the job-report rule's work (functions/routing/report.ts) on every site's `job-reports` topic.
 */
export async function startLocalRouting(options: LocalRoutingOptions): Promise<LocalRouting> {
  const deps = { client: options.client, tableName: options.tableName };
  const workloads = new DynamoWorkloadStore(deps);
  const jobs = new DynamoJobStore(deps, workloads);
  const plans = new DynamoPlanStore(deps);
  const log = options.log ?? (() => {});
  const queues = new LocalSiteQueues(options.publisher ?? mqttSiteJobPublisher(options.messaging), { log });
  const reports: SiteReportOutcome[] = [];
  const runs: RouteSummary[] = [];
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  const sitesFor = async (use: 'routing' | 'reports') => {
    const { sites } = options;
    return typeof sites === 'function' ? routingSites(await sites(), use) : sites;
  };
  const routeOnce = async () => {
    const summary = await routePending({
      jobs,
      plans,
      sites: await sitesFor('routing'),
      queues,
      events: options.events,
      clock: options.clock,
      ...(options.live ? { live: options.live } : {}),
      ...(options.planTime ? { planTime: options.planTime } : {}),
      switchState: switchingFrom(new DynamoSwitchStateStore(deps)),
      log,
      ...(options.partners ? { partners: options.partners } : {}),
    });
    if (summary.pending > 0) runs.push(summary);
  };
  const kick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await routeOnce().catch((error: unknown) => log('route-failed', { error: String(error) }));
      } while (again && !stopped);
      running = undefined;
    })();
    return running;
  };

  // Every site's reports, as the IoT rule (`WHERE siteId = topic(4)`): a site registered later included.
  await options.messaging.subscribe('cloud', allSitesTopicFilter('job-reports'), (topic, payload) => {
    const siteId = parseSiteTopic(topic)?.siteId;
    let raw: unknown;
    try {
      raw = JSON.parse(payload.toString('utf8'));
    } catch {
      raw = payload.toString('utf8');
    }
    if (!siteId || (raw as { siteId?: unknown } | null)?.siteId !== siteId) {
      log('job-report-refused', { topic, error: 'the report names another site than its topic' });
      return;
    }
    void sitesFor('reports')
      .then((sites) =>
        applySiteReportWhenQueued(
          { jobs, sites, events: options.events, clock: options.clock, log, onRequeued: () => void kick() },
          raw,
          (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        ),
      )
      .then((outcome) => {
        reports.push(outcome);
        if (!outcome.ok) log('job-report-refused', { siteId, error: outcome.error });
      })
      .catch((error: unknown) => log('job-report-failed', { siteId, error: String(error) }));
  });
  const timer = setInterval(() => void kick(), options.pollMs ?? 250);

  return {
    jobs,
    queues,
    kick,
    reports,
    runs,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      queues.close();
    },
  };
}
