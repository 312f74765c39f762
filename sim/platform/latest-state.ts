import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { TelemetryAck } from '../../core/messages/telemetry.js';
import { allSitesTopicFilter, parseSiteTopic, siteTopic } from '../../core/messages/topics.js';
import { type Clock, systemClock } from '../../core/support/clock.js';
import { KeyedLanes } from '../../core/support/keyed-lanes.js';
import { TABLE_KEYS } from '../../functions/shared/data/table-design.js';
import { DynamoDeviceStateStore } from '../../functions/telemetry/adapters/dynamo-device-state.js';
import { DynamoTelemetryMarkStore } from '../../functions/telemetry/adapters/dynamo-mark-store.js';
import { ingestTelemetryBatch } from '../../functions/telemetry/ingest.js';
import type { MessagingPort } from '../../iot-greengrass/adapters/messaging/port.js';

export interface LocalLatestStateOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly messaging: MessagingPort;
  /** Dates each message as received (the rule's `timestamp()`). @default the system clock */
  readonly clock?: Clock;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
}

const { partitionKey: PK, sortKey: SK } = TABLE_KEYS;
/** Batches waiting per gateway beyond the one being stored (a spool re-sends in bursts of its unacknowledged batches). */
const MAX_QUEUED_BATCHES_PER_GATEWAY = 32;
/** A full backlog is logged on its first refusal and every this many after. */
const BACKLOG_REPORT_EVERY = 100;

/**
 * The local stand-in for the IoT latest-state rules and the device telemetry Lambda, so the operator API's site views
 * show the live fleet in `npm start` as they do in AWS: each gateway's telemetry summary (`GATEWAY#<id>`, the fields
 * the rule's SQL selects), the last heartbeat (`HEARTBEAT`, the whole message) and each device's latest sample
 * (`DEVICE#<id>`, through the Lambda's own use case), and the telemetry high-water mark each gateway's spool waits
 * for (stored and sent back on `telemetry-acks`, as the Lambda does). The time series stay with the dashboard's observer.
 * Like the rules (`FROM 'hcp/v1/sites/+/telemetry' WHERE siteId = topic(4)`), it hears every site, so a site registered
 * through the API shows in the site views without a restart; the broker lets a gateway publish only as its own site.
 */
export async function startLocalLatestState(options: LocalLatestStateOptions): Promise<void> {
  const store = { client: options.client, tableName: options.tableName };
  const deps = {
    devices: new DynamoDeviceStateStore(store),
    series: { write: async () => ({ rejected: 0 }) },
    // The summary metrics are CloudWatch's in AWS; locally the observer draws them, so none is computed here.
    metrics: { siteSummary: () => {}, unknownSite: () => {}, batchRejected: () => {}, samplesRejected: () => {} },
    siteModel: () => undefined,
    latestMarket: async () => undefined,
    // The gateways' spools wait for this mark, as on Greengrass: stored in the table, sent back on the local broker.
    marks: {
      store: new DynamoTelemetryMarkStore(store),
      acks: {
        publish: (ack: TelemetryAck) =>
          options.messaging.publish('cloud', siteTopic(ack.siteId, 'telemetry-acks'), JSON.stringify(ack), 1),
      },
    },
  };
  const put = (siteId: string, sk: string, item: Record<string, unknown>) =>
    options.client.send(
      new PutCommand({
        TableName: options.tableName,
        Item: {
          ...item,
          [PK]: `SITE#${siteId}`,
          [SK]: sk,
          siteId,
          receivedAtMs: (options.clock ?? systemClock).nowMs(),
        },
      }),
    );
  const fail = (event: string) => (error: unknown) => options.log?.(event, { error: String(error) });
  // One batch at a time per gateway, a bounded backlog, a re-sent batch already waiting not queued again: the
  // gateway re-sends what is not acknowledged, so a refused batch comes back (the Lambda's bounded concurrency in AWS).
  const batches = new KeyedLanes<{ siteId: string; batch: Record<string, unknown> }>(async ({ siteId, batch }) => {
    const { gatewayId, batchSeq, sentAt, sitePowerKw, droppedBatches } = batch;
    await Promise.all([
      put(siteId, `GATEWAY#${String(gatewayId)}`, { gatewayId, batchSeq, sentAt, sitePowerKw, droppedBatches }).catch(
        fail('latest-state-gateway-failed'),
      ),
      ingestTelemetryBatch(batch, deps).catch(fail('latest-state-devices-failed')),
    ]);
  }, MAX_QUEUED_BATCHES_PER_GATEWAY);
  let refused = 0;
  await options.messaging.subscribe('cloud', allSitesTopicFilter('telemetry'), (topic, payload) => {
    const siteId = parseSiteTopic(topic)?.siteId;
    let batch: Record<string, unknown>;
    try {
      batch = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    } catch {
      return; // the rule's SQL would not match a body that is not JSON either
    }
    if (!siteId || batch.siteId !== siteId) return;
    const offer = batches.offer(`${siteId}/${String(batch.gatewayId)}`, String(batch.batchSeq), { siteId, batch });
    if (offer === 'full') refused += 1;
    if (offer === 'full' && refused % BACKLOG_REPORT_EVERY === 1) {
      options.log?.('latest-state-backlog-full', { siteId, refusedBatches: refused, pending: batches.pending });
    }
  });
  await options.messaging.subscribe('cloud', allSitesTopicFilter('heartbeat'), (topic, payload) => {
    const siteId = parseSiteTopic(topic)?.siteId;
    if (!siteId) return;
    try {
      const heartbeat = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
      void put(siteId, 'HEARTBEAT', heartbeat).catch(fail('latest-state-heartbeat-failed'));
    } catch {
      // not JSON: the rule drops it too
    }
  });
}
