import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { systemClock } from '../../core/support/clock.js';
import { readRegisteredFleet, routingSites } from '../fleet/registry-fleet.js';
import { partnerOverflowRuntime } from '../partners/runtime.js';
import { configGetter } from '../shared/config.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoGpuNodeStore } from '../shared/data/gpu-node-store.js';
import { DynamoJobStore } from '../shared/data/job-store.js';
import { DynamoPlanStore } from '../shared/data/plan-store.js';
import { DynamoSiteRegistryStore } from '../shared/data/site-registry-store.js';
import { DynamoSwitchStateStore } from '../shared/data/switch-state-store.js';
import { DynamoWorkloadStore } from '../shared/data/workload-store.js';
import { logger, traced } from '../shared/powertools.js';
import { ReportedPoolLive } from './adapters/reported-pool-live.js';
import { readSiteJobsQueueUrl, SqsSiteQueue } from './adapters/sqs-site-queue.js';
import { readWorkloadEventsQueueUrl, SqsWorkloadEvents } from './adapters/sqs-workload-events.js';
import type { ReportDeps } from './report.js';
import { type RouteDeps, switchingFrom } from './route.js';

const config = configGetter(z.object({ TABLE_NAME: z.string().min(1) }));

let common: (ReportDeps & { jobs: DynamoJobStore }) | undefined;
let route: RouteDeps | undefined;
let sqs: SQSClient | undefined;

/** What both Lambdas need: the job store, the events queue, the fleet. */
function reportDeps(): ReportDeps & { jobs: DynamoJobStore } {
  if (common) return common;
  const { TABLE_NAME } = config();
  const store = { client: documentClient(), tableName: TABLE_NAME };
  sqs ??= traced(new SQSClient({}));
  common = {
    jobs: new DynamoJobStore(store, new DynamoWorkloadStore(store)),
    events: new SqsWorkloadEvents(sqs, readWorkloadEventsQueueUrl()),
    clock: systemClock,
    log: (event: string, detail: Record<string, unknown>) => logger.info(event, detail),
    // Read from the registry at each invocation (withRegisteredSites).
    sites: [],
  };
  return common;
}

/**
 * The deps with the fleet as registered now, read at each invocation so a site added through the API is routed to
 * without a deployment (routingSites: which sites each use works on).
 */
async function withRegisteredSites<D extends ReportDeps>(deps: D, use: 'routing' | 'reports'): Promise<D> {
  const { TABLE_NAME } = config();
  const fleet = await readRegisteredFleet(
    new DynamoSiteRegistryStore({ client: documentClient(), tableName: TABLE_NAME }),
  );
  return { ...deps, sites: routingSites(fleet, use) };
}

/**
 * The AWS wiring of the job-report Lambda, built once per container (TABLE_NAME, WORKLOAD_EVENTS_QUEUE_URL); the
 * sites are the registry's at each call.
 */
export const reportRuntime = (): Promise<ReportDeps> => withRegisteredSites(reportDeps(), 'reports');

/**
 * The AWS wiring of the router Lambda, built once per container (also SITE_JOBS_QUEUE_URL). The pools' live view comes
 * from the GPU workers' latest node reports (models loaded on nodes taking work); their sequence slots are not
 * reported, so the router bounds finish times by throughput alone in AWS.
 */
export function routeRuntime(): Promise<RouteDeps> {
  return withRegisteredSites(routeWiring(), 'routing');
}

function routeWiring(): RouteDeps {
  if (route) return route;
  const base = reportDeps();
  const { TABLE_NAME } = config();
  const deps: RouteDeps = {
    ...base,
    plans: new DynamoPlanStore({ client: documentClient(), tableName: TABLE_NAME }),
    queues: new SqsSiteQueue(sqs!, readSiteJobsQueueUrl()),
    switchState: switchingFrom(new DynamoSwitchStateStore({ client: documentClient(), tableName: TABLE_NAME })),
    live: new ReportedPoolLive(
      new DynamoGpuNodeStore({ client: documentClient(), tableName: TABLE_NAME }),
      systemClock,
    ),
  };
  const partners = partnerOverflowRuntime();
  route = partners ? { ...deps, partners } : deps;
  return route;
}
