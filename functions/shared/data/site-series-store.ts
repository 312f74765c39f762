import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DeviceSample, EventTelemetry, MeterReading } from '../../../core/grid-events/telemetry.js';
import type { TelemetryBatch } from '../../../core/messages/telemetry.js';
import type { TelemetryHistory } from '../../grid-events/ports.js';
import { queryAllBetween, type StoreDeps } from './dynamo-helpers.js';
import { TABLE_KEYS } from './table-design.js';

/**
 * The telemetry the M&V evidence reads, on the single table: one item per gateway batch in the site's partition,
 * `SITE#<id>` / `SERIES#<sentAt>#<gatewayId>`, holding the site meter reading and each device's state and power
 * (compact: 5,000 devices fit well under DynamoDB's 400 KB). Kept 35 days, what the ERS like-day baseline looks back
 * over (30 days). The telemetry Lambda writes it beside Timestream (functions/telemetry/ingest.ts `evidenceSeries`);
 * the local platform's recorder writes it with the meter at the site model's scale (sim/platform/grid-events.ts).
 */
const { partitionKey: PK, sortKey: SK, ttlAttribute } = TABLE_KEYS;
const PREFIX = 'SERIES#';
const KEEP_S = 35 * 24 * 3600;

type CompactDevice = [deviceId: string, groupId: string, kind: 'asic' | 'gpu', state: string, powerW: number];
type SeriesItem = { readonly at: string; readonly sitePowerKw: number; readonly devices: CompactDevice[] };

export class DynamoSiteSeriesStore implements TelemetryHistory {
  constructor(private readonly deps: StoreDeps) {}

  async writeBatch(batch: Pick<TelemetryBatch, 'siteId' | 'gatewayId' | 'sentAt' | 'sitePowerKw' | 'metrics'>) {
    const devices: CompactDevice[] = batch.metrics.map((m) => [m.deviceId, m.groupId, m.kind, m.state, m.powerW]);
    await this.deps.client.send(
      new PutCommand({
        TableName: this.deps.tableName,
        Item: {
          [PK]: `SITE#${batch.siteId}`,
          [SK]: `${PREFIX}${batch.sentAt}#${batch.gatewayId}`,
          [ttlAttribute]: Math.ceil(Date.parse(batch.sentAt) / 1000) + KEEP_S,
          at: batch.sentAt,
          sitePowerKw: batch.sitePowerKw,
          devices,
        },
      }),
    );
  }

  /** The batches sent in [fromMs, toMs], oldest first, as meter readings and device samples. */
  async read(siteId: string, fromMs: number, toMs: number): Promise<EventTelemetry> {
    const meter: MeterReading[] = [];
    const devices: DeviceSample[] = [];
    const items = await queryAllBetween<SeriesItem>(this.deps, `SITE#${siteId}`, PREFIX, fromMs, toMs);
    for (const item of items) {
      meter.push({ at: item.at, sitePowerKw: Number(item.sitePowerKw) });
      for (const [deviceId, groupId, kind, state, powerW] of item.devices) {
        devices.push({ at: item.at, deviceId, groupId, kind, state: state as DeviceSample['state'], powerW });
      }
    }
    return { meter, devices };
  }
}
