import { meritOrderLadder } from '../../../core/economics/ladder.js';
import type { Plan, PlanInterval } from '../../../core/model/plan.js';
import { type Site, siteCapKw } from '../../../core/model/site.js';
import type { PlanSolver, SolveRequest } from '../ports.js';

const INTERVAL_MINUTES = 5;
/** One hour ahead: the next dispatch (5 minutes later) replaces it long before it runs out. */
const HORIZON_INTERVALS = 12;

/**
 * The simplest dispatch, for flow tests that need a plan but not an optimum: at the site's current real-time price, every device group whose
 * breakeven price (its ladder rung) is above the price runs at full power, the others are off; over the interconnect
 * limit, running groups are dropped from the bottom of the ladder. No forecast, no underclocking, no ramp limits.
 */
export class LadderSolver implements PlanSolver {
  async solve({ fleet, market, version, nowMs }: SolveRequest): Promise<Plan> {
    const started = nowMs;
    const horizonStartMs = Math.floor(nowMs / (INTERVAL_MINUTES * 60_000)) * INTERVAL_MINUTES * 60_000;
    const prices = {
      hashpriceUsdPerThDay: market.hashprice.hashpriceUsdPerThDay,
      gpuRevenueUsdPerGpuHour: market.gpuSpotUsdPerGpuHour,
    };
    const sites = fleet.sites.map((site) => {
      const ladder = meritOrderLadder(site, prices);
      const price = market.prices.find((p) => p.node === site.marketNode)?.realTimeUsdPerMwh ?? 0;
      const running = new Set(ladder.filter((rung) => rung.stopAbovePriceUsdPerMwh > price).map((r) => r.groupId));
      let setpoints = setpointsFor(site, running);
      // Over the interconnect: drop running groups from the bottom of the ladder (least profitable first).
      for (const rung of ladder) {
        if (setpoints.sitePowerKw <= siteCapKw(site)) break;
        if (!running.delete(rung.groupId)) continue;
        setpoints = setpointsFor(site, running);
      }
      const intervals = Array.from({ length: HORIZON_INTERVALS }, (_, i) => ({
        ...setpoints,
        startsAt: new Date(horizonStartMs + i * INTERVAL_MINUTES * 60_000).toISOString(),
      }));
      return { siteId: site.id, intervals, ladder };
    });
    return {
      version,
      createdAt: new Date(nowMs).toISOString(),
      horizonStart: new Date(horizonStartMs).toISOString(),
      intervalMinutes: INTERVAL_MINUTES,
      sites,
      solver: { mode: 'heuristic', status: 'ladder', objectiveUsd: 0, solveMs: Math.max(0, nowMs - started) },
    };
  }
}

function setpointsFor(site: Site, running: ReadonlySet<string>): Omit<PlanInterval, 'startsAt'> {
  const asicGroups = site.asicGroups.map((group) => {
    const on = running.has(group.id);
    const unitW = on
      ? (group.powerCurve[group.powerCurve.length - 1]?.powerW ?? group.nominalPowerW)
      : group.sleepPowerW;
    return { groupId: group.id, unitsOn: on ? group.unitCount : 0, powerTargetKw: (unitW * group.unitCount) / 1000 };
  });
  const gpuPools = site.gpuPools.map((pool) => {
    const on = running.has(pool.id);
    return { poolId: pool.id, gpusPowered: pool.count, gpusServing: on ? pool.count : 0 };
  });
  const itKw =
    asicGroups.reduce((sum, g) => sum + g.powerTargetKw, 0) +
    site.gpuPools.reduce((sum, pool, i) => {
      const serving = gpuPools[i]!.gpusServing;
      return sum + (serving * pool.servingPowerW + (pool.count - serving) * pool.idlePowerW) / 1000;
    }, 0);
  return { asicGroups, gpuPools, sitePowerKw: itKw * site.pue };
}
