import { type TelemetryBatch, telemetryBatchSchema } from '../../core/messages/telemetry.js';
import type { MarketSnapshot } from '../../core/model/market.js';
import type { Site } from '../../core/model/site.js';
import { parseWith } from '../../core/support/validation.js';
import {
  latestPerDevice,
  revenuePricesOf,
  revenueUsdPerHour,
  type SiteTelemetrySummary,
  summarizeSiteTelemetry,
} from '../../core/telemetry/site-summary.js';
import { earningLoad, nodePriceUsdPerMwh, takeBatch } from '../../core/telemetry-history/accrual.js';
import { siteReadings, siteSeriesRecord } from '../../core/telemetry-history/records.js';
import type {
  DeviceSeriesWriter,
  DeviceStateStore,
  HeldPowerStore,
  SiteSeriesWriter,
  TelemetryAckPublisher,
  TelemetryMarkStore,
  TelemetryMetrics,
} from './ports.js';

export interface TelemetryIngestDeps {
  readonly devices: DeviceStateStore;
  readonly series: DeviceSeriesWriter;
  readonly metrics: TelemetryMetrics;
  readonly latestMarket: () => Promise<MarketSnapshot | undefined>;
  /**
   * The site model (PUE, rated power per ASIC group for the summary; interconnect limit and GPU pools for the history's
   * row); undefined for a site the fleet lacks.
   */
  readonly siteModel: (siteId: string) => Site | undefined | Promise<Site | undefined>;
  /**
   * The high-water mark the gateway's spool waits for: advanced once the batch is stored, then sent to the gateway.
   * Absent, no mark is kept (a gateway with awaitCloudAck off).
   */
  readonly marks?: { readonly store: TelemetryMarkStore; readonly acks: TelemetryAckPublisher };
  /**
   * The M&V evidence's telemetry (site meter and device states per batch, functions/shared/data/site-series-store.ts).
   * @default none (the local platform's recorder writes it, at the site model's scale)
   */
  readonly evidenceSeries?: { writeBatch(batch: TelemetryBatch): Promise<void> };
  /**
   * The history's site rows (the Iceberg sink in AWS), and each site's held power their money accrues on (DynamoDB).
   * @default none
   */
  readonly siteSeries?: { readonly rows: SiteSeriesWriter; readonly held: HeldPowerStore };
}

/**
 * One telemetry batch, per device: every sample into the time series, the newest sample of each device as its latest
 * state, and the site's summary (core/telemetry/site-summary.ts) as metrics; a site the fleet has no model of is
 * stored all the same and counted instead of summarized. A batch that fails the contract is counted and dropped
 * (redelivering it cannot fix it); a store that fails throws, so the queue redelivers and finally dead-letters it.
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
    deps.evidenceSeries?.writeBatch(batch),
  ]);
  if (series.rejected > 0) deps.metrics.samplesRejected(series.rejected);
  const site = await deps.siteModel(batch.siteId);
  if (site) {
    const summary = summarizeSiteTelemetry(batch, site);
    const market = await deps.latestMarket();
    deps.metrics.siteSummary(summary, market && revenueUsdPerHour(summary, revenuePricesOf(market)));
    if (deps.siteSeries) await writeSiteRow(batch, summary, market, site, deps.siteSeries);
  } else deps.metrics.unknownSite(batch.siteId);
  if (deps.marks) {
    // After the stores: a mark never covers a batch that is not stored. A duplicate batch rewrites the same samples
    // and device states, and leaves the mark where it was, so a re-sent batch is harmless.
    const ackedThroughSeq = await deps.marks.store.advance(
      batch.siteId,
      batch.gatewayId,
      batch.batchSeq,
      batch.heldFromSeq,
    );
    await deps.marks.acks.publish({ siteId: batch.siteId, gatewayId: batch.gatewayId, ackedThroughSeq });
  }
  return { accepted: true, devices: latest.length };
}

/**
 * The batch's `site_series` row, as the local platform writes it (core/telemetry-history/records.ts): its readings,
 * its node's price in force, and the money of the stretch since the site's newest batch before it, at the power held
 * then (core/telemetry-history/accrual.ts). The held power is kept per site in the table (HeldPowerStore), so the
 * stateless consumers agree on it; a late or repeated batch accrues nothing. A row that cannot be stored puts the held
 * power back, so the queue's redelivery accrues the stretch again rather than losing it.
 */
async function writeSiteRow(
  batch: TelemetryBatch,
  summary: SiteTelemetrySummary,
  market: MarketSnapshot | undefined,
  site: Site,
  history: NonNullable<TelemetryIngestDeps['siteSeries']>,
): Promise<void> {
  const readings = siteReadings(summary);
  const next = { power: earningLoad(readings), sinceMs: Date.parse(batch.sentAt) };
  const before = await history.held.hold(batch.siteId, next);
  const priceUsdPerMwh = nodePriceUsdPerMwh(market, site.marketNode);
  const taken = takeBatch(before, next.sinceMs, next.power, priceUsdPerMwh, market);
  try {
    await history.rows.write(siteSeriesRecord(batch, readings, site, { priceUsdPerMwh, market }, taken.accrual));
  } catch (error) {
    if (!taken.late) await history.held.release(batch.siteId, next, before);
    throw error;
  }
}
