import { miningRevenueUsd } from '../economics/energy.js';
import { asicUnitFullPowerW } from '../economics/ladder.js';
import type { DeviceMetric, DeviceState, TelemetryBatch } from '../messages/telemetry.js';
import type { MarketSnapshot } from '../model/market.js';
import type { Site } from '../model/site.js';

/**
 * What one telemetry batch says about its site: the one reading of the cloud's ingest (per-site metrics) and of the
 * local platform's observer (the dashboard), so "curtailed" and the revenue rates mean the same in both.
 *
 * Curtailed load is, per ASIC the gateway reports asleep or off, its rated full power (the group's highest power
 * target, as the merit-order ladder's `sheddableKw`) less what it still draws. It is counted per device, not as
 * "installed power less site power", because a poll larger than one message arrives in several batches: a
 * per-device figure adds up across them, a site-wide difference would count the other batches' devices as shed. GPU
 * nodes are left out: nvidia-smi and DCGM read a node shed by its power limit as `idle`, the same as a node waiting
 * for work, and unused capacity is not load taken off the grid.
 */
export interface SiteTelemetrySummary {
  readonly siteId: string;
  /** The gateway's own total for the whole poll (devices' draw), which may span several batches. */
  readonly sitePowerKw: number;
  /** This batch's devices' own draw (IT power), scaled to the site model. */
  readonly asicPowerKw: number;
  readonly gpuPowerKw: number;
  readonly curtailedPowerKw: number;
  /** The same three at the site's meter (× PUE): what counts against the interconnect limit. */
  readonly facilityKw: PowerSplitKw;
  readonly hashrateThs: number;
  /** GPU devices (as the gateway reads them: one per node) in the `serving` state, scaled to the site model. */
  readonly servingGpus: number;
  /** GPU devices drawing power (serving or idle), scaled as servingGpus: what GPU utilisation is counted against. */
  readonly poweredGpus: number;
  /** GPU devices weighted by utilisation (a serving device without a reading counts as busy): 50% counts ½. */
  readonly busyGpus: number;
  /** Mean utilisation of the GPU devices; null without any. */
  readonly gpuUtilizationPct: number | null;
  /** Reporting devices, not scaled: ASICs asleep or off, devices in fault, devices not in their commanded state. */
  readonly curtailedDevices: number;
  readonly faultedDevices: number;
  readonly driftedDevices: number;
  readonly devicesByState: Readonly<Partial<Record<DeviceState, number>>>;
}

export interface PowerSplitKw {
  readonly asicKw: number;
  readonly gpuKw: number;
  readonly curtailedKw: number;
}

/** What the summary reads of the site model: facility overhead and each ASIC group's rated power. */
export type SiteRatings = Pick<Site, 'pue' | 'asicGroups'>;

/**
 * Each reporting device may stand for many of the site model's units (60 virtual miners for a 12,500-miner site):
 * the factor by which its reading is multiplied, by group id. A group not listed counts 1.
 */
export type UnitsPerDevice = ReadonlyMap<string, number>;

const CURTAILED_STATES: ReadonlySet<DeviceState> = new Set(['sleeping', 'off']);

/** The newest metric per device: a batch may carry several samples of one device. */
export function latestPerDevice(metrics: readonly DeviceMetric[]): DeviceMetric[] {
  const latest = new Map<string, DeviceMetric>();
  for (const metric of metrics) {
    const seen = latest.get(metric.deviceId);
    if (!seen || Date.parse(metric.at) >= Date.parse(seen.at)) latest.set(metric.deviceId, metric);
  }
  return [...latest.values()];
}

/** Whether a device's reading counts as curtailed load (see SiteTelemetrySummary). */
export function isCurtailed(metric: Pick<DeviceMetric, 'kind' | 'state'>): boolean {
  return metric.kind === 'asic' && CURTAILED_STATES.has(metric.state);
}

/** Load one curtailed reading keeps off the grid, in W per device: rated full power less its draw (0 if unknown). */
function curtailedW(metric: DeviceMetric, fullPowerWByGroup: ReadonlyMap<string, number>): number {
  if (!isCurtailed(metric)) return 0;
  return Math.max(0, (fullPowerWByGroup.get(metric.groupId) ?? 0) - metric.powerW);
}

function busyShare(metric: DeviceMetric): number {
  if (metric.utilizationPct !== undefined) return metric.utilizationPct / 100;
  return metric.state === 'serving' ? 1 : 0;
}

/** The summary of one batch (the newest sample of each device), scaled by `unitsPerDevice`. */
export function summarizeSiteTelemetry(
  batch: TelemetryBatch,
  site: SiteRatings,
  unitsPerDevice: UnitsPerDevice = new Map(),
): SiteTelemetrySummary {
  const fullPowerWByGroup = new Map(site.asicGroups.map((g) => [g.id, asicUnitFullPowerW(g)]));
  const devices = latestPerDevice(batch.metrics);
  const units = (m: DeviceMetric) => unitsPerDevice.get(m.groupId) ?? 1;
  const gpusOf = (m: DeviceMetric) => (m.gpuCount ?? 1) * units(m);
  const sum = (items: DeviceMetric[], value: (m: DeviceMetric) => number) => items.reduce((t, m) => t + value(m), 0);
  const count = (test: (m: DeviceMetric) => boolean) => devices.filter(test).length;
  const asics = devices.filter((m) => m.kind === 'asic');
  const gpus = devices.filter((m) => m.kind === 'gpu');
  const devicesByState: Partial<Record<DeviceState, number>> = {};
  for (const m of devices) devicesByState[m.state] = (devicesByState[m.state] ?? 0) + 1;
  const asicPowerKw = sum(asics, (m) => m.powerW * units(m)) / 1000;
  const gpuPowerKw = sum(gpus, (m) => m.powerW * units(m)) / 1000;
  const curtailedPowerKw = sum(asics, (m) => curtailedW(m, fullPowerWByGroup) * units(m)) / 1000;
  return {
    siteId: batch.siteId,
    sitePowerKw: batch.sitePowerKw,
    asicPowerKw,
    gpuPowerKw,
    curtailedPowerKw,
    facilityKw: {
      asicKw: asicPowerKw * site.pue,
      gpuKw: gpuPowerKw * site.pue,
      curtailedKw: curtailedPowerKw * site.pue,
    },
    hashrateThs: sum(asics, (m) => (m.hashrateThs ?? 0) * units(m)),
    // A GPU metric is a node: its GPUs, times the nodes it stands for.
    servingGpus: sum(gpus, (m) => (m.state === 'serving' ? gpusOf(m) : 0)),
    poweredGpus: sum(gpus, (m) => (m.state === 'serving' || m.state === 'idle' ? gpusOf(m) : 0)),
    busyGpus: sum(gpus, (m) => busyShare(m) * gpusOf(m)),
    gpuUtilizationPct: gpus.length ? sum(gpus, (m) => m.utilizationPct ?? 0) / gpus.length : null,
    curtailedDevices: count(isCurtailed),
    faultedDevices: count((m) => m.state === 'fault'),
    driftedDevices: count((m) => m.state === 'drifted'),
    devicesByState,
  };
}

export interface RevenuePrices {
  readonly hashpriceUsdPerThDay: number;
  /** Inference is valued at the GPU spot rate (its opportunity value) until usage metering feeds the summary. */
  readonly gpuSpotUsdPerGpuHour: number;
}

export interface RevenueUsdPerHour {
  readonly miningUsdPerHour: number;
  readonly inferenceUsdPerHour: number;
}

/** The prices a market snapshot gives the revenue rates. */
export function revenuePricesOf(market: MarketSnapshot): RevenuePrices {
  return {
    hashpriceUsdPerThDay: market.hashprice.hashpriceUsdPerThDay,
    gpuSpotUsdPerGpuHour: market.gpuSpotUsdPerGpuHour,
  };
}

/** What the running devices earn per hour at `prices`: hashrate at hashprice, busy GPUs at the GPU spot rate. */
export function revenueUsdPerHour(
  summary: Pick<SiteTelemetrySummary, 'hashrateThs' | 'busyGpus'>,
  prices: RevenuePrices,
): RevenueUsdPerHour {
  return {
    miningUsdPerHour: miningRevenueUsd(summary.hashrateThs, 1, prices.hashpriceUsdPerThDay),
    inferenceUsdPerHour: summary.busyGpus * prices.gpuSpotUsdPerGpuHour,
  };
}
