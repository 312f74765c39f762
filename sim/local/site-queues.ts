import { type SiteJob, siteJobTopic } from '../../core/routing/site-messages.js';
import type { SiteJobPublisher, SiteQueuePort } from '../../functions/routing/ports.js';
import type { MessagingPort } from '../../iot-greengrass/adapters/messaging/port.js';

/** What SQS gives the deployed path: a receive count per message, redelivery after a pause, a DLQ after N receives. */
export interface LocalSiteQueueOptions {
  /** As the CDK queues' redrive policy. @default 5 */
  readonly maxReceiveCount?: number;
  /** Pause before a message that failed is handed out again (SQS: the visibility timeout). @default 1000 */
  readonly retryDelayMs?: number;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

export interface QueuedSiteJob {
  readonly siteId: string;
  readonly job: SiteJob;
  readonly receiveCount: number;
  readonly sentAtMs: number;
}

/**
 * The local stand-in for the per-site SQS queues and their forwarder Lambda: each site job is kept until the
 * publisher (IoT Core's place: the embedded broker) acknowledges it; a failed forward is retried after a pause, and
 * after `maxReceiveCount` receives the message moves to the site's dead-letter list, from which `redrive` puts it back.
 */
export class LocalSiteQueues implements SiteQueuePort {
  private readonly dlq = new Map<string, QueuedSiteJob[]>();
  private readonly retries = new Set<NodeJS.Timeout>();
  private readonly forwardedMs: number[] = [];
  private closed = false;

  constructor(
    private readonly publisher: SiteJobPublisher,
    private readonly options: LocalSiteQueueOptions = {},
  ) {}

  async send(siteId: string, job: SiteJob): Promise<void> {
    if (this.closed) throw new Error('site queues are closed');
    void this.deliver({ siteId, job, receiveCount: 0, sentAtMs: performance.now() });
  }

  /** Dead-lettered messages of a site (or all sites). */
  deadLetters(siteId?: string): QueuedSiteJob[] {
    return siteId ? [...(this.dlq.get(siteId) ?? [])] : [...this.dlq.values()].flat();
  }

  /** Moves a site's dead letters back to its queue (`aws sqs start-message-move-task` in AWS). */
  redrive(siteId: string): number {
    const letters = this.dlq.get(siteId) ?? [];
    this.dlq.delete(siteId);
    for (const letter of letters) void this.deliver({ ...letter, receiveCount: 0 });
    return letters.length;
  }

  /** Send-to-publish-ack latencies of the messages forwarded so far (ms). */
  forwardLatenciesMs(): readonly number[] {
    return this.forwardedMs;
  }

  close(): void {
    this.closed = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
  }

  private async deliver(message: QueuedSiteJob): Promise<void> {
    const received = { ...message, receiveCount: message.receiveCount + 1 };
    try {
      await this.publisher.publish(received.siteId, received.job);
      this.forwardedMs.push(performance.now() - received.sentAtMs);
    } catch (error) {
      if (this.closed) return;
      const max = this.options.maxReceiveCount ?? 5;
      this.options.log?.('site-job-forward-failed', {
        siteId: received.siteId,
        jobId: received.job.jobId,
        receiveCount: received.receiveCount,
        error: String(error),
      });
      if (received.receiveCount >= max) {
        this.dlq.set(received.siteId, [...(this.dlq.get(received.siteId) ?? []), received]);
        return;
      }
      const timer = setTimeout(() => {
        this.retries.delete(timer);
        void this.deliver(received);
      }, this.options.retryDelayMs ?? 1000);
      this.retries.add(timer);
    }
  }
}

/** The forwarder's outlet locally: the site's `jobs` topic on the embedded broker, QoS 1. */
export function mqttSiteJobPublisher(messaging: MessagingPort): SiteJobPublisher {
  return {
    publish: (siteId, job) => messaging.publish('cloud', siteJobTopic(siteId), JSON.stringify(job), 1),
  };
}
