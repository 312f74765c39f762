import type { Plan } from '../../../../core/model/plan.js';

/** Shared by the SwitchAgent's unit tests. */
export const SITE = 'site-west-1';
export const NOW_MS = Date.parse('2026-07-01T15:00:00Z');

export const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A `restore` command message for SITE, valid for a minute from NOW_MS; overrides replace any field. */
export function commandMessage(seq: number, id: string, overrides: Record<string, unknown> = {}) {
  return {
    commandId: id,
    siteId: SITE,
    seq,
    epoch: 1,
    issuedAt: new Date(NOW_MS - 1000).toISOString(),
    validUntil: new Date(NOW_MS + 60_000).toISOString(),
    kind: 'restore',
    payload: { reason: 'test' },
    ...overrides,
  };
}

/** A 5-minute plan for one site from NOW_MS: group `g` runs `unitsOn[i]` units in interval i, no power targets. */
export function planOf(siteId: string, unitsOn: readonly number[]): Plan {
  return {
    version: 1,
    createdAt: '2026-07-01T14:59:00Z',
    horizonStart: '2026-07-01T15:00:00Z',
    intervalMinutes: 5,
    sites: [
      {
        siteId,
        intervals: unitsOn.map((units, i) => ({
          startsAt: new Date(NOW_MS + i * 300_000).toISOString(),
          asicGroups: [{ groupId: 'g', unitsOn: units, powerTargetKw: 0 }],
          gpuPools: [],
          sitePowerKw: 1,
        })),
        ladder: [],
      },
    ],
    solver: { mode: 'heuristic', status: 'ok', objectiveUsd: 0, solveMs: 0 },
  } as Plan;
}
