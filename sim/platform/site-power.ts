import { energyCostUsd, miningRevenueUsd } from '../../core/economics/energy.js';
import type { TelemetryBatch } from '../../core/messages/telemetry.js';
import type { Site } from '../../core/model/site.js';

/** What one telemetry batch says about a site, scaled from the virtual devices up to the site model. */
export interface SitePower {
  /** Facility power (PUE applied) of hashing ASICs, serving or idle GPUs, and ASIC load shed (asleep or off). */
  readonly asicKw: number;
  readonly gpuKw: number;
  readonly curtailedKw: number;
  readonly hashrateThs: number;
  /** GPUs doing work, weighted by utilisation: 8 GPUs at 50% count as 4. */
  readonly busyGpus: number;
  readonly gpuUtilizationPct: number | null;
  readonly drifted: number;
  readonly devicesByState: Record<string, number>;
}

/**
 * Each virtual device stands for many of the site model's units (60 virtual miners for a 12,500-miner site): the
 * factor by which a device's reading is multiplied, by group id.
 */
export type UnitsPerDevice = ReadonlyMap<string, number>;

const ASLEEP = new Set(['sleeping', 'off']);

/** Power split of a batch. Curtailed load is what sleeping miners would draw at full power, less what they draw. */
export function sitePower(site: Site, batch: TelemetryBatch, unitsPerDevice: UnitsPerDevice): SitePower {
  const fullPowerWByGroup = new Map(
    site.asicGroups.map((g) => [g.id, g.powerCurve[g.powerCurve.length - 1]?.powerW ?? g.nominalPowerW]),
  );
  let asicW = 0;
  let gpuW = 0;
  let curtailedW = 0;
  let hashrateThs = 0;
  let busyGpus = 0;
  let utilizationSum = 0;
  let gpuDevices = 0;
  let drifted = 0;
  const devicesByState: Record<string, number> = {};
  for (const m of batch.metrics) {
    const units = unitsPerDevice.get(m.groupId) ?? 1;
    devicesByState[m.state] = (devicesByState[m.state] ?? 0) + 1;
    if (m.state === 'drifted') drifted += 1;
    if (m.kind === 'gpu') {
      gpuW += m.powerW * units;
      gpuDevices += 1;
      utilizationSum += m.utilizationPct ?? 0;
      busyGpus += ((m.utilizationPct ?? 0) / 100) * units;
      continue;
    }
    asicW += m.powerW * units;
    hashrateThs += (m.hashrateThs ?? 0) * units;
    if (ASLEEP.has(m.state)) curtailedW += Math.max(0, (fullPowerWByGroup.get(m.groupId) ?? 0) - m.powerW) * units;
  }
  const facilityKw = (w: number) => (w * site.pue) / 1000;
  return {
    asicKw: facilityKw(asicW),
    gpuKw: facilityKw(gpuW),
    curtailedKw: facilityKw(curtailedW),
    hashrateThs,
    busyGpus,
    gpuUtilizationPct: gpuDevices ? utilizationSum / gpuDevices : null,
    drifted,
    devicesByState,
  };
}

export interface MoneyRates {
  readonly priceUsdPerMwh: number;
  readonly hashpriceUsdPerThDay: number;
  /** Inference is valued at the GPU spot rate until usage metering feeds the observer. */
  readonly gpuSpotUsdPerGpuHour: number;
}

export interface Money {
  readonly miningUsd: number;
  readonly inferenceUsd: number;
  readonly energyCostUsd: number;
}

/** Revenue by source and energy cost of holding `power` for `hours` (simulated) at `rates`. */
export function accrue(power: SitePower, hours: number, rates: MoneyRates): Money {
  return {
    miningUsd: miningRevenueUsd(power.hashrateThs, hours, rates.hashpriceUsdPerThDay),
    inferenceUsd: power.busyGpus * rates.gpuSpotUsdPerGpuHour * hours,
    energyCostUsd: energyCostUsd(power.asicKw + power.gpuKw, hours, rates.priceUsdPerMwh),
  };
}
