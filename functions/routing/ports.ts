import type { SiteJob } from '../../core/routing/site-messages.js';
import type { PoolLive } from '../../core/routing/types.js';
import type { WorkloadEvent } from '../../core/routing/workload-events.js';

/**
 * The edges of the routing use cases. In AWS: one SQS site job queue (with a DLQ and redrive; the site in a message
 * attribute) behind `SiteQueuePort`, a forwarder Lambda draining it into each site's `jobs` topic through IoT Core
 * (`SiteJobPublisher`), and a webhook queue behind `WorkloadEventsPort`. Locally: the same roles in-process over the embedded broker.
 */
export interface SiteQueuePort {
  /** Durably enqueues one attempt of one job for the site; throws when the queue did not take it. */
  send(siteId: string, job: SiteJob): Promise<void>;
}

export interface SiteJobPublisher {
  /** Publishes one job to the site's `jobs` topic at QoS 1; throws when the broker did not take it. */
  publish(siteId: string, job: SiteJob): Promise<void>;
}

export interface WorkloadEventsPort {
  /** Hands an event to the tenant's webhook delivery (at least once); never throws for a tenant without a webhook. */
  notify(event: WorkloadEvent): Promise<void>;
}

export interface PoolLiveSource {
  /** By pool id; a pool left out counts every model's warm-up. */
  live(siteId: string): Promise<Readonly<Record<string, PoolLive>>>;
}
