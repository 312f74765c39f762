import { telemetryBatchSchema } from '../../core/messages/telemetry.js';
import type { MarketSnapshot } from '../../core/model/market.js';
import { parseWith } from '../../core/support/validation.js';
import type { DeviceSeriesWriter, DeviceStateStore, TelemetryMetrics } from './ports.js';
import { latestPerDevice, summarizeBatch } from './summary.js';

export interface TelemetryIngestDeps {
  readonly devices: DeviceStateStore;
  readonly series: DeviceSeriesWriter;
  readonly metrics: TelemetryMetrics;
  readonly latestMarket: () => Promise<MarketSnapshot | undefined>;
}

/**
 * One telemetry batch, per device: every sample into the time series, the newest sample of each device as its latest
 * state, and the site's summary as metrics. A batch that fails the contract is counted and dropped (redelivering it
 * cannot fix it); a store that fails throws, so the queue redelivers and finally dead-letters it.
 */
export async function ingestTelemetryBatch(
  message: unknown,
  deps: TelemetryIngestDeps,
): Promise<{ accepted: boolean; devices: number }> {
  const parsed = parseWith(telemetryBatchSchema, message);
  if (!parsed.ok) {
    deps.metrics.batchRejected();
    return { accepted: false, devices: 0 };
  }
  const batch = parsed.value;
  const latest = latestPerDevice(batch.metrics);
  const [series] = await Promise.all([
    deps.series.write(batch.siteId, batch.metrics),
    deps.devices.putLatest(batch.siteId, batch.gatewayId, latest),
  ]);
  if (series.rejected > 0) deps.metrics.samplesRejected(series.rejected);
  deps.metrics.siteSummary(summarizeBatch(batch, await deps.latestMarket()));
  return { accepted: true, devices: latest.length };
}
