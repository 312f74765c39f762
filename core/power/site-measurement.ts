/**
 * What the site power controller takes as the site's power when the meter cannot be believed. Pure. In order: the
 * revenue meter; the devices' own power readings (facility overhead applied, devices not read counted at nameplate);
 * the plan's estimate for the interval; a safe level, the nameplate of everything running, which makes the controller
 * shed until even the worst case fits.
 */

export type MeasurementSource = 'meter' | 'devices' | 'plan' | 'safe';

export interface TimedKw {
  readonly kw: number;
  readonly atMs: number;
}

export interface MeasurementInputs {
  readonly nowMs: number;
  /** The last reading the meter health check accepted. */
  readonly meter?: TimedKw;
  readonly meterMaxAgeMs: number;
  /** Σ device readings × PUE, devices not read at nameplate; `coverage` is the share of devices read. */
  readonly devices?: TimedKw & { readonly coverage: number };
  readonly deviceMaxAgeMs: number;
  readonly minDeviceCoverage: number;
  /** The plan interval's site power (`sitePowerKw`), if one is in force. */
  readonly planKw?: number;
  /** Nameplate of every device running, facility overhead applied. */
  readonly safeKw: number;
}

export interface SiteMeasurement {
  readonly kw: number;
  readonly source: MeasurementSource;
}

export function siteMeasurement(i: MeasurementInputs): SiteMeasurement {
  if (i.meter && i.nowMs - i.meter.atMs <= i.meterMaxAgeMs) return { kw: i.meter.kw, source: 'meter' };
  if (i.devices && i.nowMs - i.devices.atMs <= i.deviceMaxAgeMs && i.devices.coverage >= i.minDeviceCoverage) {
    return { kw: i.devices.kw, source: 'devices' };
  }
  if (i.planKw !== undefined) return { kw: i.planKw, source: 'plan' };
  return { kw: i.safeKw, source: 'safe' };
}
