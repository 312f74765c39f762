import type { DeviceMetric } from '../../core/messages/telemetry.js';
import type { SiteTelemetrySummary } from './summary.js';

/** The latest state of each device, for the API's resource-manager view. */
export interface DeviceStateStore {
  putLatest(siteId: string, gatewayId: string, devices: readonly DeviceMetric[]): Promise<void>;
}

/** Per-device time series (Timestream in AWS, the local telemetry store in the sim). */
export interface DeviceSeriesWriter {
  write(siteId: string, metrics: readonly DeviceMetric[]): Promise<void>;
}

export interface TelemetryMetrics {
  siteSummary(summary: SiteTelemetrySummary): void;
  batchRejected(): void;
}
