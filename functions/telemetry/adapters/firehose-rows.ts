import { type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type { DeviceMetric } from '../../../core/messages/telemetry.js';
import { deviceSeriesRecord, type SiteSeriesRecord } from '../../../core/telemetry-history/records.js';
import type { DeviceSeriesWriter, SiteSeriesWriter } from '../ports.js';

/** PutRecordBatch limits (Amazon Data Firehose quotas): 500 records and 4 MiB per call. */
const RECORDS_PER_CALL = 500;
const BYTES_PER_CALL = 4 * 1024 * 1024;

export interface FirehoseRowWriterDeps {
  readonly client: Pick<FirehoseClient, 'send'>;
  readonly streamName: string;
  /** Calls per chunk before the rows Firehose keeps refusing fail the batch. @default 3 */
  readonly maxAttempts?: number;
  /** Waits before a retry (throttled shards need a moment). @default setTimeout */
  readonly pause?: (ms: number) => Promise<void>;
}

/**
 * Rows (the history's records, core/telemetry-history/records.ts) into one Firehose stream, as JSON objects its
 * Iceberg destination maps onto the table's columns by name. PutRecordBatch may accept part of a call: the refused
 * rows are sent again, and rows still refused after `maxAttempts` throw (the queue redelivers the batch; a row
 * written twice is a duplicate the history's averages tolerate, a row lost is not).
 */
export class FirehoseRowWriter {
  constructor(private readonly deps: FirehoseRowWriterDeps) {}

  async put(rows: readonly object[]): Promise<void> {
    for (const chunk of chunks(rows.map((row) => new TextEncoder().encode(JSON.stringify(row))))) {
      await this.putChunk(chunk);
    }
  }

  private async putChunk(records: readonly Uint8Array[]): Promise<void> {
    const { client, streamName, maxAttempts = 3 } = this.deps;
    const pause = this.deps.pause ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    let pending = records;
    for (let attempt = 1; ; attempt++) {
      const out = await client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: streamName,
          Records: pending.map((Data) => ({ Data })),
        }),
      );
      if (!out.FailedPutCount) return;
      const responses = out.RequestResponses ?? [];
      const refused = pending.filter((_, i) => responses[i]?.ErrorCode !== undefined);
      if (attempt >= maxAttempts) {
        const code = responses.find((r) => r.ErrorCode)?.ErrorCode ?? 'unknown';
        throw new Error(
          `Firehose stream ${streamName} refused ${refused.length} of ${pending.length} rows after ${attempt} attempts (${code})`,
        );
      }
      pending = refused;
      await pause(100 * 2 ** attempt);
    }
  }
}

/** Records into calls under both PutRecordBatch limits. */
function* chunks(records: readonly Uint8Array[]): Generator<Uint8Array[]> {
  let chunk: Uint8Array[] = [];
  let bytes = 0;
  for (const record of records) {
    if (chunk.length > 0 && (chunk.length === RECORDS_PER_CALL || bytes + record.byteLength > BYTES_PER_CALL)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += record.byteLength;
  }
  if (chunk.length > 0) yield chunk;
}

/**
 * Device samples as `device_series` rows (one device stands for one unit in a real fleet). Iceberg takes a sample of
 * any age, so none is refused for it: a batch a gateway spooled for days is stored like a fresh one.
 */
export class FirehoseDeviceSeries implements DeviceSeriesWriter {
  constructor(private readonly rows: FirehoseRowWriter) {}

  async write(siteId: string, metrics: readonly DeviceMetric[]): Promise<{ rejected: number }> {
    await this.rows.put(metrics.map((metric) => deviceSeriesRecord(siteId, metric, 1)));
    return { rejected: 0 };
  }
}

/** Site rows (built by the ingest, core/telemetry-history/records.ts) into the `site_series` stream. */
export class FirehoseSiteSeries implements SiteSeriesWriter {
  constructor(private readonly rows: FirehoseRowWriter) {}

  async write(row: SiteSeriesRecord): Promise<void> {
    await this.rows.put([row]);
  }
}
