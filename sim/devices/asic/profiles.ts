import type { AsicGroup } from '../../../core/model/site.js';

/** One LuxOS-style power profile of a miner: a point of its model's power-target curve. */
export interface PowerProfile {
  readonly name: string;
  readonly powerW: number;
  readonly hashrateThs: number;
}

export const DEFAULT_PROFILE_NAME = 'default';

/**
 * Profiles from the group's power-target curve (per unit). The highest point is the stock setting and is called
 * `default`, as LuxOS names the profile it reads from the EEPROM; the points below are `underclock-1`, `underclock-2`…
 * counting down from stock (LuxOS generates stepped underclock profiles the same way; the names are ours).
 */
export function profilesFor(group: Pick<AsicGroup, 'powerCurve'>): PowerProfile[] {
  const points = [...group.powerCurve].sort((a, b) => a.powerW - b.powerW);
  return points.map((point, index) => {
    const stepsBelowStock = points.length - 1 - index;
    return {
      name: stepsBelowStock === 0 ? DEFAULT_PROFILE_NAME : `underclock-${stepsBelowStock}`,
      powerW: point.powerW,
      hashrateThs: point.hashrateThs,
    };
  });
}

/**
 * Resolves a `profileset` argument. Besides a name, LuxOS accepts selectors by power or hashrate with the suffixes
 * `W`, `kW` and `THs` (docs.luxor.tech, profileset); we pick the profile whose estimate is nearest, and on a tie the
 * lower-power one, so a selector never raises power above what was asked.
 */
export function selectProfile(profiles: readonly PowerProfile[], selector: string): PowerProfile | undefined {
  const byName = profiles.find((p) => p.name === selector);
  if (byName) return byName;
  const match = /^(\d+(?:\.\d+)?)(W|kW|THs)$/.exec(selector.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2];
  const estimate = (p: PowerProfile) => (unit === 'THs' ? p.hashrateThs : p.powerW);
  const wanted = unit === 'kW' ? value * 1000 : value;
  let best: PowerProfile | undefined;
  for (const profile of profiles) {
    const distance = Math.abs(estimate(profile) - wanted);
    if (!best || distance < Math.abs(estimate(best) - wanted)) best = profile;
  }
  return best;
}
