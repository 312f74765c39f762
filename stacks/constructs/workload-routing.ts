import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { allSitesTopicResource, SITE_ID_MATCHES_TOPIC, siteTopicSql } from '../../core/messages/topics.js';
import { WEBHOOK_RETRY } from '../../core/webhooks/retry.js';
import { ROUTING_PENDING_PARTITION } from '../../functions/shared/data/job-store.js';
import { TABLE_KEYS } from '../../functions/shared/data/table-design.js';
import { DeadLetterQueue } from './dead-letter-queue.js';
import { HcpFunction } from './hcp-function.js';
import { grantTopicPublish } from './iot-topics.js';
import { RuleFunction } from './rule-function.js';
import { acknowledgeInvokeQualifiers, bindTableItems, grantIndexQuery } from './table-access.js';
import { queueEventSource, workQueue } from './work-queue.js';

export interface WorkloadRoutingProps {
  /** The platform table, with a stream carrying NEW_IMAGE (the router wakes on jobs put back in line). */
  readonly table: ITable;
  /** `iot:DescribeEndpoint` (iot:Data-ATS) of the account. @default the SDK's regional IoT data endpoint */
  readonly iotDataEndpoint?: string;
  /** How often the router sweeps the pending jobs whatever the stream says. @default Duration.minutes(1) */
  readonly sweepInterval?: Duration;
  /** Off in a standby region (the replica's stream carries the primary's writes too); the sweep still runs. @default true */
  readonly streamEnabled?: boolean;
}

/**
 * Workload routing in AWS (issue #7). The router Lambda assigns pending jobs to sites, every minute and whenever the
 * table's stream shows a job waiting to be routed, and puts each on the site job queue with the site in a message
 * attribute; a forwarder drains that queue into each site's `jobs` topic; an IoT rule brings the workers' reports on
 * `job-reports` to the report Lambda; workload events go through a queue to the webhook delivery Lambda. Every queue
 * and async hop has a dead-letter queue.
 *
 * One site job queue for every site of the deployment (a region), not one per site: a site added through the
 * operator API is routed to at the router's next run, with no queue, event source or permission to create first
 * (issue #16). Isolation does not rest on the queue: only the router is granted sqs:SendMessage on it, the forwarder
 * publishes each job to the topic of the site its attribute names (the router sets it from the registry), and a
 * gateway may subscribe only to its own site's topics (GatewayPolicy); the job carries its tenant, which the report
 * is checked against.
 * A standard queue orders nothing, as the per-site queues did not; the forwarder only relays to IoT Core (it does not
 * wait for a site's worker), and fails a message alone (partial batch response), so a site whose publishes fail
 * delays no other site's jobs. FIFO groups per site would add head-of-line blocking for nothing the workers need
 * (they order by attempt); queues provisioned at registration would need sqs:CreateQueue and
 * lambda:CreateEventSourceMapping in a request path, and a deployment still owns what they create.
 */
export class WorkloadRouting extends Construct {
  readonly functions: HcpFunction[];
  readonly deadLetterQueues: sqs.IQueue[];
  /** Every site's jobs, each message naming its site in the `siteId` attribute. */
  readonly siteJobsQueue: sqs.Queue;
  readonly eventsQueue: sqs.Queue;
  readonly router: HcpFunction;
  /** The table stream's mapping that wakes the router: switched with the region's leases (multi-region). */
  readonly streamSource: DynamoEventSource;
  readonly forwarder: HcpFunction;
  readonly reports: RuleFunction;
  readonly delivery: HcpFunction;

  constructor(scope: Construct, id: string, props: WorkloadRoutingProps) {
    super(scope, id);
    const endpoint: Record<string, string> = props.iotDataEndpoint ? { IOT_DATA_ENDPOINT: props.iotDataEndpoint } : {};

    const forwarderTimeout = Duration.seconds(10);
    const siteJobs = workQueue(this, 'SiteJobs', forwarderTimeout, 5);
    this.siteJobsQueue = siteJobs.queue;

    // Delivery retries a failed webhook by hiding its message for the retry schedule's delay (ChangeMessageVisibility;
    // attempt = receive count): as many receives as the schedule has attempts (core/webhooks/retry.ts), then the DLQ.
    const deliveryTimeout = Duration.seconds(30);
    const events = workQueue(this, 'WorkloadEvents', deliveryTimeout, WEBHOOK_RETRY.maxRetries + 1);
    this.eventsQueue = events.queue;

    this.forwarder = new HcpFunction(this, 'ForwardFn', {
      entry: 'functions/routing/forward-handler.ts',
      serviceName: 'hcp-routing',
      timeout: forwarderTimeout,
      environment: endpoint,
    });
    this.forwarder.fn.addEventSource(queueEventSource(siteJobs.queue));
    grantTopicPublish(
      this.forwarder.fn,
      allSitesTopicResource('jobs'),
      'The forwarder serves every site queue: the sites’ jobs topics, and only those.',
    );

    const { router, routerDlqs, streamSource } = this.routerFunction(props, siteJobs.queue, events.queue);
    this.router = router;
    this.streamSource = streamSource;

    this.reports = new RuleFunction(this, 'ReportRule', {
      functionId: 'ReportFn',
      entry: 'functions/routing/report-handler.ts',
      serviceName: 'hcp-routing',
      description: 'GPU workers’ job reports end attempts in the router’s book',
      sql: siteTopicSql('job-reports', { where: SITE_ID_MATCHES_TOPIC }),
      environment: { WORKLOAD_EVENTS_QUEUE_URL: events.queue.queueUrl },
    });
    bindTableItems(this.reports.function, props.table);
    sendOnly(this.reports.function, [events.queue]);

    this.delivery = new HcpFunction(this, 'DeliverFn', {
      entry: 'functions/routing/webhooks/deliver-handler.ts',
      serviceName: 'hcp-webhooks',
      timeout: deliveryTimeout,
    });
    bindTableItems(this.delivery, props.table);
    this.delivery.fn.addEventSource(queueEventSource(events.queue));

    this.functions = [this.router, this.forwarder, this.reports.function, this.delivery];
    this.deadLetterQueues = [
      siteJobs.deadLetterQueue,
      events.deadLetterQueue,
      ...routerDlqs,
      ...this.reports.deadLetterQueues,
    ];
  }

  /**
   * The router: one at a time (reserved concurrency 1; its writes are conditional as well), woken by a schedule and
   * by the table's stream, filtered to items a job put back in line (`ROUTING#pending`).
   */
  private routerFunction(props: WorkloadRoutingProps, siteJobs: sqs.Queue, eventsQueue: sqs.Queue) {
    const interval = props.sweepInterval ?? Duration.minutes(1);
    const router = new HcpFunction(this, 'RouteFn', {
      entry: 'functions/routing/route-handler.ts',
      serviceName: 'hcp-routing',
      memorySizeMb: 512,
      // A sweep ends before the next one is due.
      timeout: Duration.seconds(Math.max(10, interval.toSeconds() - 10)),
      environment: {
        SITE_JOBS_QUEUE_URL: siteJobs.queueUrl,
        WORKLOAD_EVENTS_QUEUE_URL: eventsQueue.queueUrl,
      },
    });
    (router.fn.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = 1;
    bindTableItems(router, props.table);
    // The pending jobs, oldest first, on gsi1 (functions/shared/data/job-store.ts).
    grantIndexQuery(router, props.table);
    sendOnly(router, [siteJobs, eventsQueue]);

    const scheduleDlq = new DeadLetterQueue(this, 'RouteScheduleDlq').queue;
    const streamDlq = new DeadLetterQueue(this, 'RouteStreamDlq').queue;
    // A scheduled sweep waits its turn behind a running one (throttled, retried) for at most an interval or so.
    router.fn.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.minutes(5),
      onFailure: new destinations.SqsDestination(scheduleDlq),
    });
    const role = new iam.Role(this, 'RouteScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
    });
    acknowledgeInvokeQualifiers(role, [router.fn]);
    new scheduler.Schedule(this, 'RouteSchedule', {
      description: 'HCP workload router sweep',
      schedule: scheduler.ScheduleExpression.rate(interval),
      target: new schedulerTargets.LambdaInvoke(router.fn, {
        role,
        deadLetterQueue: scheduleDlq,
        retryAttempts: 2,
        maxEventAge: interval,
      }),
    });

    const streamSource = new DynamoEventSource(props.table, {
      startingPosition: lambda.StartingPosition.LATEST,
      ...(props.streamEnabled === false ? { enabled: false } : {}),
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      // The stream only wakes the router early; the next sweep routes whatever a failed batch named.
      retryAttempts: 2,
      onFailure: new SqsDlq(streamDlq),
      filters: [
        lambda.FilterCriteria.filter({
          eventName: lambda.FilterRule.or('INSERT', 'MODIFY'),
          dynamodb: {
            NewImage: { [TABLE_KEYS.gsi1.partitionKey]: { S: lambda.FilterRule.isEqual(ROUTING_PENDING_PARTITION) } },
          },
        }),
      ],
    });
    router.fn.addEventSource(streamSource);
    return { router, routerDlqs: [scheduleDlq, streamDlq], streamSource };
  }
}

/** `sqs:SendMessage` on these queues and nothing else (no GetQueueUrl/GetQueueAttributes: URLs come from env). */
function sendOnly(fn: HcpFunction, queues: readonly sqs.IQueue[]): void {
  fn.fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: queues.map((q) => q.queueArn) }),
  );
}
