import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { gpuNodeCommandsTopic } from '../../core/gpu/node-messages.js';
import { allSitesTopicFilter } from '../../core/messages/topics.js';
import { type Clock, systemClock } from '../../core/support/clock.js';
import { useLocalGpuNodeCommands } from '../../functions/api/operator/gpu-node-commands.js';
import { type GpuNodeReportOutcome, storeGpuNodeReport } from '../../functions/gpu-nodes/store-report.js';
import { DynamoGpuNodeStore } from '../../functions/shared/data/gpu-node-store.js';
import type { MessagingPort } from '../../iot-greengrass/adapters/messaging/port.js';

export interface LocalGpuNodesOptions {
  /** The cloud side's connection to the local broker (the platform's stand-in for IoT Core). */
  readonly messaging: MessagingPort;
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Dates each report as received. @default the system clock */
  readonly clock?: Clock;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

export interface LocalGpuNodes {
  /** Every report handled, newest last (bounded), for tests and the dashboard. */
  outcomes(): readonly GpuNodeReportOutcome[];
  stop(): void;
}

const KEPT_OUTCOMES = 200;

/**
 * The cloud half of GPU cluster management on `npm start` and in integration tests: what the IoT rule and its Lambda do
 * in AWS (every site's `gpu-nodes` report into the table through the same use case) and what the command route's IoT
 * data client does (operators' commands onto the site's `gpu-node-commands` topic, QoS 1, on the broker).
 */
export async function startLocalGpuNodes(options: LocalGpuNodesOptions): Promise<LocalGpuNodes> {
  const store = new DynamoGpuNodeStore({ client: options.client, tableName: options.tableName });
  const outcomes: GpuNodeReportOutcome[] = [];
  let stopped = false;
  await options.messaging.subscribe('cloud', allSitesTopicFilter('gpu-nodes'), (topic, payload) => {
    if (stopped) return;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      json = undefined;
    }
    // The rule's `WHERE siteId = topic(4)`: a report naming another site than its topic is dropped.
    if ((json as { siteId?: unknown } | undefined)?.siteId !== topic.split('/')[3]) return;
    void storeGpuNodeReport(store, json, (options.clock ?? systemClock).nowMs()).then(
      (outcome) => {
        outcomes.push(outcome);
        if (outcomes.length > KEPT_OUTCOMES) outcomes.shift();
        if (!outcome.ok) options.log?.('gpu-node-report-refused', { issues: outcome.issues });
      },
      (error: unknown) => options.log?.('gpu-node-report-failed', { error: String(error) }),
    );
  });
  useLocalGpuNodeCommands({
    publish: (command) =>
      options.messaging.publish('cloud', gpuNodeCommandsTopic(command.siteId), JSON.stringify(command), 1),
  });
  return {
    outcomes: () => outcomes,
    stop() {
      stopped = true;
      useLocalGpuNodeCommands(undefined);
    },
  };
}
