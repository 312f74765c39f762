import type { QueryWindow } from './queries.js';

/** One row of gatewayUptimeSql: the slots a site's gateway was heard in within a bucket, and its first heard slot. */
export interface HeardSlots {
  readonly site: string;
  readonly bucketMs: number;
  readonly heardSlots: number;
  readonly firstSlotMs: number;
}

export interface UptimeFigure {
  readonly heardSlots: number;
  readonly expectedSlots: number;
  /** heardSlots / expectedSlots. */
  readonly uptime: number;
}

/**
 * Gateway uptime, the share of heartbeat periods in which a site's gateway was heard, counted for each site from its
 * first heartbeat in the window: before it the site was not yet on the platform (onboarding, a late start), which an
 * operator does not call down time; after it every silent period is down, a whole silent bucket included (reported
 * as 0, not left out). The window's figure is the sum of heard over expected slots of its buckets, so it is the
 * buckets' figures weighted by their expected slots, never something they cannot average to. A bucket before any
 * site was heard has no figure.
 */
export function gatewayUptime(
  rows: readonly HeardSlots[],
  w: QueryWindow,
  heartbeatPeriodMs: number,
): { readonly buckets: ReadonlyMap<number, UptimeFigure>; readonly window: UptimeFigure | undefined } {
  const firstSlotMs = new Map(rows.map((r) => [r.site, r.firstSlotMs]));
  const heard = new Map(rows.map((r) => [`${r.site}@${r.bucketMs}`, r.heardSlots]));
  const buckets = new Map<number, UptimeFigure>();
  let total = { heardSlots: 0, expectedSlots: 0 };
  for (let startMs = w.fromMs; startMs < w.toMs; startMs += w.stepMs) {
    const endMs = Math.min(startMs + w.stepMs, w.toMs);
    let heardSlots = 0;
    let expectedSlots = 0;
    for (const [site, firstMs] of firstSlotMs) {
      const expected = Math.max(0, endMs - Math.max(startMs, firstMs)) / heartbeatPeriodMs;
      if (expected === 0) continue;
      expectedSlots += expected;
      // Heartbeats a little off their period can fill one slot more than a bucket's share holds: capped.
      heardSlots += Math.min(expected, heard.get(`${site}@${startMs}`) ?? 0);
    }
    if (expectedSlots === 0) continue;
    buckets.set(startMs, { heardSlots, expectedSlots, uptime: heardSlots / expectedSlots });
    total = { heardSlots: total.heardSlots + heardSlots, expectedSlots: total.expectedSlots + expectedSlots };
  }
  const window = total.expectedSlots > 0 ? { ...total, uptime: total.heardSlots / total.expectedSlots } : undefined;
  return { buckets, window };
}
