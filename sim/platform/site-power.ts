import type { TelemetryBatch } from '../../core/messages/telemetry.js';
import type { Site } from '../../core/model/site.js';
import { summarizeSiteTelemetry, type UnitsPerDevice } from '../../core/telemetry/site-summary.js';
import { type SiteReadings, siteReadings } from '../../core/telemetry-history/records.js';

export type { UnitsPerDevice } from '../../core/telemetry/site-summary.js';

/**
 * The dashboard's view of a telemetry batch: the site summary of core/telemetry/site-summary.ts (the cloud ingest's
 * too) at the site's meter, scaled from the virtual devices up to the site model: the history's readings
 * (facility power of hashing ASICs, serving or idle GPUs and ASIC load shed; hashrate; GPUs busy, serving, powered),
 * with the GPUs' mean utilisation and the devices drifted from their commanded state.
 */
export interface SitePower extends SiteReadings {
  readonly gpuUtilizationPct: number | null;
  readonly drifted: number;
}

/** Power split of a batch; curtailed load is what sleeping miners would draw at full power, less what they draw. */
export function sitePower(site: Site, batch: TelemetryBatch, unitsPerDevice: UnitsPerDevice): SitePower {
  const summary = summarizeSiteTelemetry(batch, site, unitsPerDevice);
  return {
    ...siteReadings(summary),
    gpuUtilizationPct: summary.gpuUtilizationPct,
    drifted: summary.driftedDevices,
  };
}
