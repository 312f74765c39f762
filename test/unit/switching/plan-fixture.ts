import type { Plan } from '../../../core/model/plan.js';

/** A plan whose sites each run one ASIC group with `unitsOn` units, over two 5-minute intervals from `atMs`. */
export function planFor(
  version: number,
  sites: Record<string, number>,
  atMs: number,
  later?: Record<string, number>,
): Plan {
  const start = Math.floor(atMs / 300_000) * 300_000;
  const interval = (offset: number, unitsOn: number) => ({
    startsAt: new Date(start + offset * 300_000).toISOString(),
    asicGroups: [{ groupId: 'asics-a', unitsOn, powerTargetKw: unitsOn * 3.5 }],
    gpuPools: [{ poolId: 'gpus-a', gpusPowered: 8, gpusServing: 8 }],
    sitePowerKw: unitsOn * 3.5 + 5.6,
  });
  return {
    version,
    createdAt: new Date(atMs).toISOString(),
    horizonStart: new Date(start).toISOString(),
    intervalMinutes: 5,
    sites: Object.entries(sites).map(([siteId, unitsOn]) => ({
      siteId,
      intervals: [interval(0, unitsOn), interval(1, later?.[siteId] ?? unitsOn)],
      ladder: [],
    })),
    solver: { mode: 'heuristic', status: 'fixture', objectiveUsd: 0, solveMs: 0 },
  };
}
