import type { Plan, PlanInterval, SitePlan } from '../model/plan.js';

/**
 * Which sites a new plan moves. A site is switched only when the setpoints it must hold now differ from what the
 * previous plan had it hold now: re-sending an unchanged split costs a drain and a command for nothing.
 */

/** Power targets within this many kW count as equal: the solver's rounding, not a change anyone can measure. */
export const POWER_TOLERANCE_KW = 0.5;

export type SwitchReason = 'new-site' | 'setpoints-changed';

export interface SiteSwitch {
  readonly siteId: string;
  readonly reason: SwitchReason;
}

/** The interval in force at `atMs`: the last one started at or before it, or the first if the plan starts later. */
export function intervalAt(site: SitePlan, atMs: number): PlanInterval {
  let current = site.intervals[0]!;
  for (const interval of site.intervals) {
    if (Date.parse(interval.startsAt) <= atMs) current = interval;
    else break;
  }
  return current;
}

export function sameSetpoints(a: PlanInterval, b: PlanInterval): boolean {
  if (a.asicGroups.length !== b.asicGroups.length || a.gpuPools.length !== b.gpuPools.length) return false;
  const asicsOfB = new Map(b.asicGroups.map((g) => [g.groupId, g]));
  const gpusOfB = new Map(b.gpuPools.map((p) => [p.poolId, p]));
  const asicsMatch = a.asicGroups.every((g) => {
    const other = asicsOfB.get(g.groupId);
    return (
      other !== undefined &&
      other.unitsOn === g.unitsOn &&
      Math.abs(other.powerTargetKw - g.powerTargetKw) <= POWER_TOLERANCE_KW
    );
  });
  const gpusMatch = a.gpuPools.every((p) => {
    const other = gpusOfB.get(p.poolId);
    return other !== undefined && other.gpusPowered === p.gpusPowered && other.gpusServing === p.gpusServing;
  });
  return asicsMatch && gpusMatch;
}

/** Sites of `next` whose setpoints at `atMs` differ from `previous` (every site when there is no previous plan). */
export function sitesToSwitch(previous: Plan | undefined, next: Plan, atMs: number): SiteSwitch[] {
  const previousSites = new Map((previous?.sites ?? []).map((site) => [site.siteId, site]));
  return next.sites.flatMap((site): SiteSwitch[] => {
    const before = previousSites.get(site.siteId);
    if (!before) return [{ siteId: site.siteId, reason: 'new-site' }];
    return sameSetpoints(intervalAt(before, atMs), intervalAt(site, atMs))
      ? []
      : [{ siteId: site.siteId, reason: 'setpoints-changed' }];
  });
}
