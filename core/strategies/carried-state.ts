import type { Plan, SiteStartState } from '../model/plan.js';
import type { Site } from '../model/site.js';
import type { SiteState } from '../optimizer/types.js';
import { initialSiteState } from './simulate.js';

type UnitChanges = Record<string, Array<{ hoursAgo: number; units: number }>>;

/** Starts and stops older than this no longer bind any minimum up/down time (the simulator keeps the same window). */
const MEMORY_HOURS = 2;

/**
 * A site's state at `nowMs` as the plan in force leaves it: from the state the plan started from, each interval that
 * has ended by `nowMs` is taken as done (as the gateway commits it), ageing the recent starts and stops and adding the
 * ones its unit counts make, as the simulator does (core/strategies/simulate.ts). The interval in progress is the one
 * the next plan decides. Flex backlog is not the plan's: the caller adds the open work. Without a plan, or one made
 * before start states were stored, the site starts all on.
 */
export function carriedState(site: Site, plan: Plan | undefined, nowMs: number): SiteState {
  const initial = initialSiteState(site);
  const sitePlan = plan?.sites.find((s) => s.siteId === site.id);
  if (!plan || !sitePlan?.startState) return initial;
  const stepMs = plan.intervalMinutes * 60_000;
  const dt = plan.intervalMinutes / 60;
  let unitsOn: Record<string, number> = { ...initial.unitsOn, ...sitePlan.startState.unitsOn };
  let recentStarts: UnitChanges = copy(sitePlan.startState.recentStarts);
  let recentStops: UnitChanges = copy(sitePlan.startState.recentStops);
  let gpusPowered: Record<string, number> = { ...initial.gpusPowered };
  let drBaselineKw = initial.drBaselineKw;
  const horizonStartMs = Date.parse(plan.horizonStart);
  sitePlan.intervals.forEach((interval, k) => {
    if (horizonStartMs + (k + 1) * stepMs > nowMs) return;
    const next: Record<string, number> = { ...unitsOn };
    const age = (changes: UnitChanges) =>
      Object.fromEntries(
        Object.entries(changes).map(([id, xs]) => [
          id,
          xs.map((x) => ({ hoursAgo: x.hoursAgo + dt, units: x.units })).filter((x) => x.hoursAgo < MEMORY_HOURS),
        ]),
      );
    recentStarts = age(recentStarts);
    recentStops = age(recentStops);
    for (const group of interval.asicGroups) {
      const before = unitsOn[group.groupId] ?? 0;
      const change = group.unitsOn - before;
      const into = change > 0 ? recentStarts : recentStops;
      if (change !== 0)
        into[group.groupId] = [...(into[group.groupId] ?? []), { hoursAgo: dt, units: Math.abs(change) }];
      next[group.groupId] = group.unitsOn;
    }
    unitsOn = next;
    gpusPowered = { ...gpusPowered, ...Object.fromEntries(interval.gpuPools.map((p) => [p.poolId, p.gpusPowered])) };
    drBaselineKw = interval.sitePowerKw;
  });
  return { unitsOn, recentStarts, recentStops, gpusPowered, flexBacklog: [], drBaselineKw };
}

/** What a plan stores of the state it started from. */
export function startStateOf(state: SiteState): SiteStartState {
  const nonEmpty = (changes: SiteState['recentStarts']) =>
    Object.fromEntries(
      Object.entries(changes)
        .map(
          ([id, xs]) =>
            [id, xs.filter((x) => x.units > 0).map((x) => ({ hoursAgo: x.hoursAgo, units: x.units }))] as const,
        )
        .filter(([, xs]) => xs.length > 0),
    );
  return {
    unitsOn: { ...state.unitsOn },
    recentStarts: nonEmpty(state.recentStarts),
    recentStops: nonEmpty(state.recentStops),
  };
}

function copy(changes: SiteStartState['recentStarts']): UnitChanges {
  return Object.fromEntries(Object.entries(changes).map(([id, xs]) => [id, xs.map((x) => ({ ...x }))]));
}
