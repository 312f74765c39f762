import type { Plan, PlanInterval, SitePlan } from '../../../../core/model/plan.js';

/** The interval in force at `nowMs` by the gateway's own clock, or undefined before the plan starts or after it ends. */
export function activeInterval(
  plan: Plan,
  siteId: string,
  nowMs: number,
): { readonly index: number; readonly interval: PlanInterval; readonly site: SitePlan } | undefined {
  const site = plan.sites.find((s) => s.siteId === siteId);
  if (!site) return undefined;
  const lengthMs = plan.intervalMinutes * 60_000;
  for (let index = site.intervals.length - 1; index >= 0; index--) {
    const interval = site.intervals[index]!;
    const startMs = Date.parse(interval.startsAt);
    if (startMs <= nowMs) return nowMs < startMs + lengthMs ? { index, interval, site } : undefined;
  }
  return undefined;
}

/** The next interval boundary after `nowMs`, so the agent can wake exactly then. */
export function nextBoundaryMs(plan: Plan, siteId: string, nowMs: number): number | undefined {
  const site = plan.sites.find((s) => s.siteId === siteId);
  if (!site) return undefined;
  const lengthMs = plan.intervalMinutes * 60_000;
  let best: number | undefined;
  for (const interval of site.intervals) {
    for (const edge of [Date.parse(interval.startsAt), Date.parse(interval.startsAt) + lengthMs]) {
      if (edge > nowMs && (best === undefined || edge < best)) best = edge;
    }
  }
  return best;
}
