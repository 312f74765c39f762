import { type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { installedGpus } from '../../../core/gpu/capacity.js';
import type { DeviceMetric, TelemetryBatch } from '../../../core/messages/telemetry.js';
import type { MarketSnapshot } from '../../../core/model/market.js';
import { type Site, siteCapKw } from '../../../core/model/site.js';
import type { SiteTelemetrySummary } from '../../../core/telemetry/site-summary.js';
import {
  dayOf,
  deviceSeriesRecord,
  LIVE_SCENARIO,
  type SiteSeriesRecord,
  stateCounts,
} from '../../../core/telemetry-history/records.js';
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

/**
 * A batch as a `site_series` row, from what the consumer knows: the summary at the site's meter, the site model's
 * limit (its interconnect, as the local observer's `capKw`) and installed GPUs, and the market's fleet-wide prices.
 * What it does not know stays empty: its node's energy price (null), and money (no hours accrued: the accrual needs the previous batch, which the local platform's observer
 * keeps and this Lambda does not), so the KPIs built on them read null for AWS rows rather than a wrong figure.
 */
export function siteSeriesRow(
  batch: TelemetryBatch,
  summary: SiteTelemetrySummary,
  market: MarketSnapshot | undefined,
  site: Site,
): SiteSeriesRecord {
  const atMs = Date.parse(batch.sentAt);
  return {
    site: batch.siteId,
    day: dayOf(atMs),
    scenario: LIVE_SCENARIO,
    gateway_id: batch.gatewayId,
    batch_seq: batch.batchSeq,
    at_ms: atMs,
    site_power_kw: batch.sitePowerKw,
    limit_kw: siteCapKw(site),
    asic_kw: summary.facilityKw.asicKw,
    gpu_kw: summary.facilityKw.gpuKw,
    curtailed_kw: summary.facilityKw.curtailedKw,
    hashrate_ths: summary.hashrateThs,
    busy_gpus: summary.busyGpus,
    serving_gpus: summary.servingGpus,
    powered_gpus: summary.poweredGpus,
    installed_gpus: installedGpus([site]),
    price_usd_per_mwh: null,
    hashprice_usd_per_th_day: market?.hashprice.hashpriceUsdPerThDay ?? null,
    gpu_spot_usd_per_gpu_hour: market?.gpuSpotUsdPerGpuHour ?? null,
    accrued_hours: 0,
    mining_usd: 0,
    inference_usd: 0,
    energy_cost_usd: 0,
    ...stateCounts(summary.devicesByState),
  };
}

export class FirehoseSiteSeries implements SiteSeriesWriter {
  constructor(private readonly rows: FirehoseRowWriter) {}

  async write(
    batch: TelemetryBatch,
    summary: SiteTelemetrySummary,
    market: MarketSnapshot | undefined,
    site: Site,
  ): Promise<void> {
    await this.rows.put([siteSeriesRow(batch, summary, market, site)]);
  }
}
