import { siteJobReportTopic, siteJobTopic } from '../../../core/routing/site-messages.js';
import type { MessagingPort } from '../messaging/port.js';
import type { JobQueuePort, ReportSink } from './port.js';

/**
 * Job queue adapters. MQTT: the site's `jobs` topic at QoS 1 (IoT Core locally: the aedes broker), reports to
 * `job-reports`; at-least-once both ways, which the worker and the cloud's job book absorb. In memory: for unit tests
 * and the simulator. An SQS adapter (long poll, visibility timeout as the lease, DLQ by redrive policy) needs
 * @aws-sdk/client-sqs, which the project does not carry yet; it would implement the same JobQueuePort.
 */
export function mqttJobQueue(messaging: MessagingPort, siteId: string): JobQueuePort {
  let handler: ((payload: string) => void) | undefined;
  return {
    async start(onMessage) {
      handler = onMessage;
      await messaging.subscribe('cloud', siteJobTopic(siteId), (_topic, payload) =>
        handler?.(payload.toString('utf8')),
      );
    },
    async stop() {
      handler = undefined;
    },
  };
}

export function mqttReportSink(messaging: MessagingPort, siteId: string): ReportSink {
  return { publish: (payload) => messaging.publish('cloud', siteJobReportTopic(siteId), payload, 1) };
}

/** A queue the caller feeds by hand; `push` delivers at once when started, else when started. */
export interface MemoryJobQueue extends JobQueuePort {
  push(payload: string): void;
}

export function memoryJobQueue(): MemoryJobQueue {
  const backlog: string[] = [];
  let handler: ((payload: string) => void) | undefined;
  return {
    push(payload) {
      if (handler) handler(payload);
      else backlog.push(payload);
    },
    async start(onMessage) {
      handler = onMessage;
      for (const payload of backlog.splice(0)) onMessage(payload);
    },
    async stop() {
      handler = undefined;
    },
  };
}

export function memoryReportSink(): ReportSink & { readonly published: string[] } {
  const published: string[] = [];
  return {
    published,
    async publish(payload) {
      published.push(payload);
    },
  };
}
