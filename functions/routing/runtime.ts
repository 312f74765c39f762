import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { referenceFleet } from '../../core/fleet/reference-fleet.js';
import { configGetter } from '../shared/config.js';
import { documentClient } from '../shared/data/client.js';
import { DynamoJobStore } from '../shared/data/job-store.js';
import { DynamoPlanStore } from '../shared/data/plan-store.js';
import { DynamoWorkloadStore } from '../shared/data/workload-store.js';
import { logger } from '../shared/powertools.js';
import { systemClock } from '../switching/runtime.js';
import { readSiteQueueUrls, SqsSiteQueue } from './adapters/sqs-site-queue.js';
import { readWorkloadEventsQueueUrl, SqsWorkloadEvents } from './adapters/sqs-workload-events.js';
import type { ReportDeps } from './report.js';
import type { RouteDeps } from './route.js';

const config = configGetter(z.object({ TABLE_NAME: z.string().min(1) }));

let shared: { route: RouteDeps; report: ReportDeps } | undefined;

/**
 * The AWS wiring of the router and the job-report Lambdas, built once per container. The pools' live view (warm
 * models, slots) is not reported to the cloud yet, so every model counts its warm-up in AWS (docs/API.md).
 */
export function routingRuntime(): { route: RouteDeps; report: ReportDeps } {
  if (shared) return shared;
  const { TABLE_NAME } = config();
  const store = { client: documentClient(), tableName: TABLE_NAME };
  const jobs = new DynamoJobStore(store, new DynamoWorkloadStore(store));
  const sqs = new SQSClient({});
  const events = new SqsWorkloadEvents(sqs, readWorkloadEventsQueueUrl());
  const log = (event: string, detail: Record<string, unknown>) => logger.info(event, detail);
  const sites = referenceFleet.sites;
  const common = { jobs, events, clock: systemClock, log, sites };
  shared = {
    route: { ...common, plans: new DynamoPlanStore(store), queues: new SqsSiteQueue(sqs, readSiteQueueUrls()) },
    report: common,
  };
  return shared;
}
