import type { DeviceMetric, TelemetryAck } from '../../core/messages/telemetry.js';
import type { RevenueUsdPerHour, SiteTelemetrySummary } from '../../core/telemetry/site-summary.js';
import type { HeldPower } from '../../core/telemetry-history/accrual.js';
import type { SiteSeriesRecord } from '../../core/telemetry-history/records.js';

/** The latest state of each device, for the API's resource-manager view. */
export interface DeviceStateStore {
  putLatest(siteId: string, gatewayId: string, devices: readonly DeviceMetric[]): Promise<void>;
}

/**
 * Per-device time series (Timestream in AWS, the local telemetry store in the sim). Samples the store refuses for
 * their age (a gateway's spool replayed after a long outage, older than the store accepts) come back as a count: they
 * are expected after outages and redelivering them cannot help.
 */
export interface DeviceSeriesWriter {
  write(siteId: string, metrics: readonly DeviceMetric[]): Promise<{ readonly rejected: number }>;
}

/** The site-level rows of the telemetry history (core/telemetry-history/records.ts `site_series`): the Iceberg sink's Firehose stream in AWS. */
export interface SiteSeriesWriter {
  write(row: SiteSeriesRecord): Promise<void>;
}

/**
 * Each site's held power (core/telemetry-history/accrual.ts): the earning load and instant of its newest batch, what
 * the money of its next batch accrues on. Consumers of one site's batches run concurrently and out of order, so a
 * batch becomes the held one only if it is newer, in one atomic step.
 */
export interface HeldPowerStore {
  /** Holds `next` if it is newer than the batch held, and returns the batch held before (or still held: a late one). */
  hold(siteId: string, next: HeldPower): Promise<HeldPower | undefined>;
  /**
   * Puts `previous` back if `next` is still the batch held: for a batch whose row could not be stored, so that its
   * redelivery accrues its stretch again instead of counting as a repeat.
   */
  release(siteId: string, next: HeldPower, previous: HeldPower | undefined): Promise<void>;
}

export interface TelemetryMetrics {
  /** `revenue` at the latest market prices; undefined before the first market snapshot. */
  siteSummary(summary: SiteTelemetrySummary, revenue: RevenueUsdPerHour | undefined): void;
  /** A batch from a site the fleet has no model of: stored, but not summarized. */
  unknownSite(siteId: string): void;
  batchRejected(): void;
  samplesRejected(count: number): void;
}

/**
 * Each gateway's telemetry high-water mark (core/telemetry/high-water-mark.ts), stored so it only moves up: `advance`
 * records batch `batchSeq` as stored and returns the mark after it.
 */
export interface TelemetryMarkStore {
  advance(siteId: string, gatewayId: string, batchSeq: number, heldFromSeq: number | undefined): Promise<number>;
}

/** Sends a gateway its mark on `hcp/v1/sites/{siteId}/telemetry-acks` (IoT data publish in AWS, the local broker here). */
export interface TelemetryAckPublisher {
  publish(ack: TelemetryAck): Promise<void>;
}
