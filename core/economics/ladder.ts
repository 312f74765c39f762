import type { LadderRung } from '../model/plan.js';
import type { AsicGroup, GpuPool, Site } from '../model/site.js';
import { breakevenPriceUsdPerMwh, efficiencyJPerTh, gpuBreakevenPriceUsdPerMwh } from './energy.js';

export interface LadderPrices {
  readonly hashpriceUsdPerThDay: number;
  /** What one serving GPU earns per hour (inference revenue, or the spot rate as its opportunity value). */
  readonly gpuRevenueUsdPerGpuHour: number;
}

/** Full-power draw of one unit of an ASIC group: its highest power target (stock power without a curve). */
export function asicUnitFullPowerW(group: AsicGroup): number {
  return group.powerCurve[group.powerCurve.length - 1]?.powerW ?? group.nominalPowerW;
}

/** Full-power draw of a whole ASIC group, without facility overhead. */
export function asicGroupFullPowerKw(group: AsicGroup): number {
  return (asicUnitFullPowerW(group) * group.unitCount) / 1000;
}

function asicRung(group: AsicGroup, pue: number, prices: LadderPrices): LadderRung {
  const jPerTh = efficiencyJPerTh(group.nominalPowerW, group.nominalHashrateThs);
  return {
    groupId: group.id,
    kind: 'asic',
    stopAbovePriceUsdPerMwh: breakevenPriceUsdPerMwh(prices.hashpriceUsdPerThDay, jPerTh, pue),
    sheddableKw: (asicGroupFullPowerKw(group) - (group.sleepPowerW * group.unitCount) / 1000) * pue,
  };
}

function gpuRung(pool: GpuPool, pue: number, prices: LadderPrices): LadderRung {
  return {
    groupId: pool.id,
    kind: 'gpu',
    stopAbovePriceUsdPerMwh: gpuBreakevenPriceUsdPerMwh(prices.gpuRevenueUsdPerGpuHour, pool.servingPowerW, pue),
    sheddableKw: ((pool.servingPowerW - pool.idlePowerW) * pool.count * pue) / 1000,
  };
}

/**
 * The merit-order ladder: device groups sorted by the electricity price above which they stop paying for
 * themselves, least efficient first. The gateway walks it on a price signal without asking the cloud.
 */
export function meritOrderLadder(site: Site, prices: LadderPrices): LadderRung[] {
  const rungs = [
    // A group that cannot be switched has no rung: curtailing it on price is not an option the site has.
    ...site.asicGroups.filter((g) => !g.alwaysOn).map((g) => asicRung(g, site.pue, prices)),
    ...site.gpuPools.map((p) => gpuRung(p, site.pue, prices)),
  ];
  return rungs.sort(
    (a, b) => a.stopAbovePriceUsdPerMwh - b.stopAbovePriceUsdPerMwh || a.groupId.localeCompare(b.groupId),
  );
}
