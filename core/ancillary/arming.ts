import type { Award } from './awards.js';

/**
 * Which devices carry an award, and the order the site power controller takes devices in while awards are armed.
 * Pure: the gateway passes its devices, with the facility power each frees, in the order they would go.
 */

/** A device that can carry an award: the facility kW it frees when it sleeps. */
export interface ArmableDevice {
  readonly id: string;
  readonly stepKw: number;
}

/** An award held armed on the gateway: the devices that will trip or curtail for it, in the order they go. */
export interface ArmedAward {
  readonly award: Award;
  readonly devices: readonly string[];
  /** What those devices free together, kW (≥ the award unless `shortKw` > 0). */
  readonly armedKw: number;
  /** Award the armed devices cannot cover (not enough switchable load running), kW. */
  readonly shortKw: number;
}

/** The fewest devices from the front of `devices` whose steps reach `kw` (all of them if they fall short). */
export function devicesCovering(
  devices: readonly ArmableDevice[],
  kw: number,
): { readonly ids: string[]; readonly coveredKw: number } {
  const ids: string[] = [];
  let coveredKw = 0;
  for (const d of devices) {
    if (coveredKw >= kw) break;
    ids.push(d.id);
    coveredKw += d.stepKw;
  }
  return { ids, coveredKw };
}

/** Arms one award on `candidates` (in the order they go). */
export function armAward(award: Award, candidates: readonly ArmableDevice[]): ArmedAward {
  const awardedKw = award.awardedMw * 1000;
  const { ids, coveredKw } = devicesCovering(candidates, awardedKw);
  return { award, devices: ids, armedKw: coveredKw, shortKw: Math.max(0, awardedKw - coveredKw) };
}

/** Whether two awards' intervals overlap: a device carries one award at a time. */
export function overlaps(a: Award, b: Award): boolean {
  return a.intervalStartMs < b.intervalEndMs && b.intervalStartMs < a.intervalEndMs;
}

/**
 * The controller's shed order with awards armed: the devices of a deployed award first (they are the ones to go), the
 * other devices as they were, and the devices standing armed last (the award keeps them on: the minimum load the site
 * must hold to honour it).
 */
export function withArmedOrder<T extends { readonly id: string }>(
  devices: readonly T[],
  deployed: readonly string[],
  standing: ReadonlySet<string>,
): T[] {
  if (deployed.length === 0 && standing.size === 0) return [...devices];
  const byId = new Map(devices.map((d) => [d.id, d]));
  const first = deployed.flatMap((id) => byId.get(id) ?? []);
  const firstIds = new Set(deployed);
  const middle = devices.filter((d) => !firstIds.has(d.id) && !standing.has(d.id));
  const last = devices.filter((d) => !firstIds.has(d.id) && standing.has(d.id));
  return [...first, ...middle, ...last];
}
