import type { Plan, PlanInterval, SitePlan } from '../model/plan.js';

/**
 * Which sites a new plan moves. A site is compared with what it was last *committed* to (not with the previous plan):
 * a switch that failed, was skipped or never ran leaves the site to be switched again, and a site whose committed
 * setpoints already match the new plan is left alone, as re-sending an unchanged split costs a drain and a command.
 */

/** Power targets within this many kW count as equal: the solver's rounding, not a change anyone can measure. */
export const POWER_TOLERANCE_KW = 0.5;

export type SwitchReason = 'not-committed' | 'setpoints-changed';

export interface SiteSwitch {
  readonly siteId: string;
  readonly reason: SwitchReason;
}

/** What a site holds, as the switch-status record and the plan versions say. */
export interface SiteBaseline {
  /** The site's part of the plan version it last committed; undefined when none (new site, failed or stale switch). */
  readonly committed?: SitePlan;
  /** An operator override holds the site until then: dispatch leaves it alone. */
  readonly overrideUntilMs?: number;
  /** A switch of the site is in progress: the next dispatch looks again. */
  readonly switching?: boolean;
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

/** Sites of `next` to switch at `atMs`, given what each site holds (a site without a baseline holds nothing known). */
export function sitesToSwitch(next: Plan, baselines: ReadonlyMap<string, SiteBaseline>, atMs: number): SiteSwitch[] {
  return next.sites.flatMap((site): SiteSwitch[] => {
    const baseline = baselines.get(site.siteId) ?? {};
    if (baseline.switching) return [];
    if (baseline.overrideUntilMs !== undefined && baseline.overrideUntilMs > atMs) return [];
    if (!baseline.committed) return [{ siteId: site.siteId, reason: 'not-committed' }];
    return sameSetpoints(intervalAt(baseline.committed, atMs), intervalAt(site, atMs))
      ? []
      : [{ siteId: site.siteId, reason: 'setpoints-changed' }];
  });
}
