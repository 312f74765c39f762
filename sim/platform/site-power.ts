import { energyCostUsd } from '../../core/economics/energy.js';
import type { TelemetryBatch } from '../../core/messages/telemetry.js';
import type { Site } from '../../core/model/site.js';
import {
  type RevenuePrices,
  revenueUsdPerHour,
  summarizeSiteTelemetry,
  type UnitsPerDevice,
} from '../../core/telemetry/site-summary.js';

export type { UnitsPerDevice } from '../../core/telemetry/site-summary.js';

/**
 * The dashboard's view of a telemetry batch: the site summary of core/telemetry/site-summary.ts (the cloud ingest's
 * too) at the site's meter, scaled from the virtual devices up to the site model.
 */
export interface SitePower {
  /** Facility power (PUE applied) of hashing ASICs, serving or idle GPUs, and ASIC load shed (asleep or off). */
  readonly asicKw: number;
  readonly gpuKw: number;
  readonly curtailedKw: number;
  readonly hashrateThs: number;
  /** GPUs doing work, weighted by utilisation: 8 GPUs at 50% count as 4. */
  readonly busyGpus: number;
  readonly servingGpus: number;
  readonly poweredGpus: number;
  readonly gpuUtilizationPct: number | null;
  readonly drifted: number;
  readonly devicesByState: Readonly<Record<string, number>>;
}

/** Power split of a batch; curtailed load is what sleeping miners would draw at full power, less what they draw. */
export function sitePower(site: Site, batch: TelemetryBatch, unitsPerDevice: UnitsPerDevice): SitePower {
  const summary = summarizeSiteTelemetry(batch, site, unitsPerDevice);
  return {
    ...summary.facilityKw,
    hashrateThs: summary.hashrateThs,
    busyGpus: summary.busyGpus,
    servingGpus: summary.servingGpus,
    poweredGpus: summary.poweredGpus,
    gpuUtilizationPct: summary.gpuUtilizationPct,
    drifted: summary.driftedDevices,
    devicesByState: summary.devicesByState,
  };
}

export interface MoneyRates extends RevenuePrices {
  readonly priceUsdPerMwh: number;
}

export interface Money {
  readonly miningUsd: number;
  readonly inferenceUsd: number;
  readonly energyCostUsd: number;
}

/** Revenue by source and energy cost of holding `power` for `hours` (simulated) at `rates`. */
export function accrue(power: SitePower, hours: number, rates: MoneyRates): Money {
  const revenue = revenueUsdPerHour(power, rates);
  return {
    miningUsd: revenue.miningUsdPerHour * hours,
    inferenceUsd: revenue.inferenceUsdPerHour * hours,
    energyCostUsd: energyCostUsd(power.asicKw + power.gpuKw, hours, rates.priceUsdPerMwh),
  };
}
