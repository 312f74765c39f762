import { type GpuHardwareSpec, gpuHardware } from '../gpu/models.js';
import type { PowerCurvePoint } from '../model/site.js';

/**
 * The one hardware catalog: the ASIC models below and the GPU boards of core/gpu/models.ts (`gpuHardware`). A site's
 * registry record names a catalog id; the site model the optimizer, the router and the gateways use is built from the
 * record and these figures (core/fleet/site-config.ts `siteModelOf`).
 */

/**
 * Power targets a firmware offers, as fractions of stock power and hashrate. Underclocking lowers voltage as well as
 * frequency, so TH/s per W improves at lower targets: at half power a unit keeps ~60% of its hashrate (shape after
 * the autotuning profiles LuxOS and Braiins OS+ publish for S19/S21; approximate, to be recalibrated on the fleet's
 * own data).
 */
export const POWER_TARGET_FRACTIONS = [
  { power: 0.5, hashrate: 0.6 },
  { power: 0.7, hashrate: 0.78 },
  { power: 0.85, hashrate: 0.9 },
  { power: 1.0, hashrate: 1.0 },
] as const;

export interface AsicModelSpec {
  /** The group's model string, as the site model, the miners' `devdetails` and the dashboards print it. */
  readonly name: string;
  readonly vendor: 'Bitmain' | 'MicroBT';
  /** Per unit at stock settings. */
  readonly stockHashrateThs: number;
  readonly stockPowerW: number;
  /** Per unit while curtailed with the control board awake (LuxOS `curtail sleep`, Braiins pause). */
  readonly sleepPowerW: number;
  /** Hashboards re-tuning after a wake, and winding down to sleep. */
  readonly wakeSeconds: number;
  readonly sleepSeconds: number;
}

// Sleep power: LuxOS `curtail sleep` keeps the control board up at ~25 W (LuxOS docs); hashboards re-tune ~60 s on
// wake (LuxOS docs); the water loop of Hydro units slows re-tuning.
export const asicModels: Readonly<Record<string, AsicModelSpec>> = {
  // Antminer S19 XP: 140 TH/s at 3,010 W, 21.5 J/TH (Bitmain product spec).
  'antminer-s19-xp': {
    name: 'Antminer S19 XP',
    vendor: 'Bitmain',
    stockHashrateThs: 140,
    stockPowerW: 3010,
    sleepPowerW: 25,
    wakeSeconds: 60,
    sleepSeconds: 5,
  },
  // Antminer S21: 200 TH/s at 3,500 W, 17.5 J/TH (Bitmain product spec).
  'antminer-s21': {
    name: 'Antminer S21',
    vendor: 'Bitmain',
    stockHashrateThs: 200,
    stockPowerW: 3500,
    sleepPowerW: 25,
    wakeSeconds: 45,
    sleepSeconds: 5,
  },
  // Antminer S21 XP: 270 TH/s at 3,645 W, 13.5 J/TH on the wall at 25 °C (Bitmain product spec).
  'antminer-s21-xp': {
    name: 'Antminer S21 XP',
    vendor: 'Bitmain',
    stockHashrateThs: 270,
    stockPowerW: 3645,
    sleepPowerW: 25,
    wakeSeconds: 45,
    sleepSeconds: 5,
  },
  // Antminer S21 Hydro: 335 TH/s at 5,360 W, 16 J/TH (Bitmain product spec).
  'antminer-s21-hydro': {
    name: 'Antminer S21 Hydro',
    vendor: 'Bitmain',
    stockHashrateThs: 335,
    stockPowerW: 5360,
    sleepPowerW: 30,
    wakeSeconds: 90,
    sleepSeconds: 5,
  },
  // Whatsminer M60S: 186 TH/s at 3,441 W, 18.5 J/TH (MicroBT product spec, M60S air-cooled).
  'whatsminer-m60s': {
    name: 'Whatsminer M60S',
    vendor: 'MicroBT',
    stockHashrateThs: 186,
    stockPowerW: 3441,
    sleepPowerW: 25,
    wakeSeconds: 60,
    sleepSeconds: 5,
  },
};

/** A model's per-unit power targets (W, TH/s), lowest first; the last is stock. */
export function powerTargets(model: AsicModelSpec): PowerCurvePoint[] {
  return POWER_TARGET_FRACTIONS.map((f) => ({
    powerW: Math.round(model.stockPowerW * f.power),
    hashrateThs: Math.round(model.stockHashrateThs * f.hashrate * 10) / 10,
  }));
}

/** Joules per terahash at a point (W / TH/s). */
export function joulesPerTh(point: PowerCurvePoint): number {
  return point.powerW / point.hashrateThs;
}

export function asicModel(id: string): AsicModelSpec | undefined {
  return Object.hasOwn(asicModels, id) ? asicModels[id] : undefined;
}

export function gpuModel(id: string): GpuHardwareSpec | undefined {
  return Object.hasOwn(gpuHardware, id) ? gpuHardware[id] : undefined;
}
