import { miningRevenueUsd } from '../../core/economics/energy.js';
import type { DeviceMetric, TelemetryBatch } from '../../core/messages/telemetry.js';
import type { MarketSnapshot } from '../../core/model/market.js';

/**
 * What one telemetry batch says about its site, for the operations dashboard: the power split between ASICs, GPUs and
 * curtailed devices, and the revenue rate the running devices earn at the latest market prices.
 */
export interface SiteTelemetrySummary {
  readonly siteId: string;
  readonly sitePowerKw: number;
  readonly asicPowerKw: number;
  readonly gpuPowerKw: number;
  /** Devices the gateway reports asleep, off or idle: load that is curtailed or could be put to work. */
  readonly curtailedDevices: number;
  readonly faultedDevices: number;
  readonly hashrateThs: number;
  readonly servingGpus: number;
  /** Estimated at the snapshot's hashprice; undefined without a snapshot. */
  readonly miningRevenueUsdPerHour?: number;
  /** Serving GPUs valued at the GPU spot rate (their opportunity value); undefined without a snapshot. */
  readonly inferenceRevenueUsdPerHour?: number;
}

const CURTAILED_STATES = new Set(['sleeping', 'off', 'idle']);

/** The newest metric per device: a batch may carry several samples of one device. */
export function latestPerDevice(metrics: readonly DeviceMetric[]): DeviceMetric[] {
  const latest = new Map<string, DeviceMetric>();
  for (const metric of metrics) {
    const seen = latest.get(metric.deviceId);
    if (!seen || Date.parse(metric.at) >= Date.parse(seen.at)) latest.set(metric.deviceId, metric);
  }
  return [...latest.values()];
}

export function summarizeBatch(batch: TelemetryBatch, market: MarketSnapshot | undefined): SiteTelemetrySummary {
  const devices = latestPerDevice(batch.metrics);
  const sum = (items: DeviceMetric[], value: (m: DeviceMetric) => number) => items.reduce((t, m) => t + value(m), 0);
  const asics = devices.filter((m) => m.kind === 'asic');
  const gpus = devices.filter((m) => m.kind === 'gpu');
  const hashrateThs = sum(asics, (m) => m.hashrateThs ?? 0);
  const servingGpus = gpus.filter((m) => m.state === 'serving').length;
  return {
    siteId: batch.siteId,
    sitePowerKw: batch.sitePowerKw,
    asicPowerKw: sum(asics, (m) => m.powerW) / 1000,
    gpuPowerKw: sum(gpus, (m) => m.powerW) / 1000,
    curtailedDevices: devices.filter((m) => CURTAILED_STATES.has(m.state)).length,
    faultedDevices: devices.filter((m) => m.state === 'fault').length,
    hashrateThs,
    servingGpus,
    ...(market
      ? {
          miningRevenueUsdPerHour: miningRevenueUsd(hashrateThs, 1, market.hashprice.hashpriceUsdPerThDay),
          inferenceRevenueUsdPerHour: servingGpus * market.gpuSpotUsdPerGpuHour,
        }
      : {}),
  };
}
