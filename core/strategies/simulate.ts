import { energyCostUsd, miningRevenueUsd } from '../economics/energy.js';
import { fourCpUsdPerMwPerPeak } from '../economics/transmission.js';
import { drCeilingKw, type Site, siteCapKw } from '../model/site.js';
import {
  GPU_START_COST_USD,
  gpuSpeed,
  gpuWarmupExtraKw,
  gpuWarmupFraction,
  unitHashrateThs,
  unitMaxPowerW,
  unitMinPowerW,
  unitWakeLossUsd,
} from '../optimizer/physics.js';
import type { DemandClassTerms, FlexCohort, GridTerms, SiteDecision, SiteState } from '../optimizer/types.js';
import { type AncillaryTotals, type StepAncillaryTruth, scoreAncillary } from './ancillary-score.js';
import { type BidTotals, emptyBidTotals, type StepBidTruth, scoreBids } from './bid-score.js';

/**
 * The common scorer: any strategy's decisions, applied step by step to the true prices and demand, priced the same
 * way (the physics in optimizer/physics.ts), so figures compare across strategies.
 */
export interface StepTruth {
  readonly stepHours: number;
  readonly priceUsdPerMwh: number;
  readonly hashpriceUsdPerThDay: number;
  readonly guaranteedArrivalsGpuHours: number;
  readonly flexArrivalsGpuHours: number;
  readonly drDeployed: boolean;
  /** The share of a coincident peak the step carries (the truth: step/60 in a month's peak hour), or its probability. */
  readonly peakProbability: number;
  /** Ancillary capacity prices and deployment probabilities; absent without an ancillary price file. */
  readonly ancillary?: StepAncillaryTruth;
  /** The step's start and the bids placed by it (issue 28); absent: no bids. */
  readonly bids?: StepBidTruth;
}

export interface SiteTotals extends AncillaryTotals, BidTotals {
  miningRevenueUsd: number;
  inferenceRevenueUsd: number;
  gridCreditsUsd: number;
  energyCostUsd: number;
  wearCostUsd: number;
  penaltiesUsd: number;
  fourCpCostUsd: number;
  unitHoursOn: number;
  unitHoursTotal: number;
  switchCount: number;
  unitStarts: number;
  slaViolations: number;
  droppedGpuHours: number;
  gpuBusyHours: number;
  gpuHoursTotal: number;
  energyMwh: number;
  capMwh: number;
  capExceededSteps: number;
}

export function emptyTotals(): SiteTotals {
  return {
    miningRevenueUsd: 0,
    inferenceRevenueUsd: 0,
    gridCreditsUsd: 0,
    energyCostUsd: 0,
    wearCostUsd: 0,
    penaltiesUsd: 0,
    fourCpCostUsd: 0,
    unitHoursOn: 0,
    unitHoursTotal: 0,
    switchCount: 0,
    unitStarts: 0,
    slaViolations: 0,
    droppedGpuHours: 0,
    gpuBusyHours: 0,
    gpuHoursTotal: 0,
    energyMwh: 0,
    capMwh: 0,
    capExceededSteps: 0,
    ancillaryRevenueUsd: 0,
    expectedDeploymentCostUsd: 0,
    ancillaryShortfallMwh: 0,
    ...emptyBidTotals(),
  };
}

export function netProfitUsd(t: SiteTotals): number {
  return (
    t.miningRevenueUsd +
    t.inferenceRevenueUsd +
    t.bidRevenueUsd +
    t.gridCreditsUsd +
    t.ancillaryRevenueUsd -
    t.expectedDeploymentCostUsd -
    t.energyCostUsd -
    t.wearCostUsd -
    t.penaltiesUsd -
    t.fourCpCostUsd
  );
}

/** Everything on, nothing queued: where every backtest starts. */
export function initialSiteState(site: Site): SiteState {
  return {
    unitsOn: Object.fromEntries(site.asicGroups.map((g) => [g.id, g.unitCount])),
    recentStarts: {},
    recentStops: {},
    gpusPowered: Object.fromEntries(site.gpuPools.map((p) => [p.id, p.count])),
    flexBacklog: [],
    drBaselineKw: 0,
  };
}

export interface StepResult {
  readonly state: SiteState;
  readonly sitePowerKw: number;
  readonly asicKw: number;
  readonly gpuKw: number;
  readonly netUsd: number;
}

/** Applies one step's decision to the truth, adds to `totals`, and returns the next state. */
export function simulateStep(
  site: Site,
  state: SiteState,
  decision: SiteDecision,
  truth: StepTruth,
  demand: DemandClassTerms,
  grid: GridTerms,
  totals: SiteTotals,
): StepResult {
  const dt = truth.stepHours;
  const before = netProfitUsd(totals);
  let asicItKw = 0;
  const unitsOn: Record<string, number> = {};
  const recentStarts: Record<string, Array<{ hoursAgo: number; units: number }>> = {};
  const recentStops: Record<string, Array<{ hoursAgo: number; units: number }>> = {};
  const asicSettings = site.asicGroups.map((g) => {
    const d = decision.asic.find((a) => a.groupId === g.id);
    // Minimum up/down times are operator policy the gateway enforces, whatever the plan asks.
    const lockedOn = (state.recentStarts[g.id] ?? [])
      .filter((r) => r.hoursAgo < g.minOnMinutes / 60 - 1e-9)
      .reduce((a, r) => a + r.units, 0);
    const lockedOff = (state.recentStops[g.id] ?? [])
      .filter((r) => r.hoursAgo < g.minOffMinutes / 60 - 1e-9)
      .reduce((a, r) => a + r.units, 0);
    const asked = Math.max(0, Math.min(g.unitCount, Math.round(d?.unitsOn ?? 0)));
    const on = Math.max(Math.min(lockedOn, g.unitCount), Math.min(asked, g.unitCount - lockedOff));
    const perUnitW =
      on === 0 ? 0 : Math.max(unitMinPowerW(g), Math.min(unitMaxPowerW(g), d?.powerPerUnitW ?? unitMaxPowerW(g)));
    return { g, on, perUnitW };
  });
  for (const { g, on, perUnitW } of asicSettings)
    asicItKw += (g.sleepPowerW * (g.unitCount - on) + perUnitW * on) / 1000;

  // GPUs: serving capacity after warm-up, then demand served from it.
  let gpuIdleKw = 0;
  let capG = 0;
  let capF = 0;
  let capB = 0;
  const pools = site.gpuPools.map((pool) => {
    const d = decision.gpu.find((x) => x.poolId === pool.id);
    const powered = Math.max(0, Math.min(pool.count, Math.round(d?.gpusPowered ?? 0)));
    const started = Math.max(0, powered - (state.gpusPowered[pool.id] ?? pool.count));
    const usable = Math.max(0, powered - gpuWarmupFraction(pool, dt) * started);
    // Guaranteed requests go to any powered, warm GPU (the site scheduler is reactive); flex work is served only on
    // the GPUs the plan assigns to it, because deferring it is the decision.
    const sf = Math.min(usable, Math.max(0, d?.servingFlex ?? 0));
    const sg = usable;
    gpuIdleKw += (pool.idlePowerW * powered) / 1000 + started * gpuWarmupExtraKw(pool, dt);
    totals.wearCostUsd += started * GPU_START_COST_USD;
    const speed = gpuSpeed(pool) * dt;
    capG += sg * speed;
    capF += sf * speed;
    capB += Math.min(usable, Math.max(0, d?.servingBids ?? 0)) * speed;
    totals.gpuHoursTotal += pool.count * dt;
    return { pool, powered, sg, sf, speed };
  });
  const servedG = Math.min(truth.guaranteedArrivalsGpuHours, capG);
  const droppedG = truth.guaranteedArrivalsGpuHours - servedG;
  // Flex uses its assigned GPUs, less what guaranteed work took from them.
  capF = Math.min(capF, capG - servedG);
  // Flex: oldest first.
  const queue: FlexCohort[] = [
    ...state.flexBacklog.map((c) => ({ dueInHours: c.dueInHours, gpuHours: c.gpuHours })),
    { dueInHours: demand.flexDeadlineHours, gpuHours: truth.flexArrivalsGpuHours },
  ];
  let flexRoom = capF;
  let servedF = 0;
  const remaining: FlexCohort[] = [];
  let droppedF = 0;
  for (const c of queue) {
    const served = Math.min(c.gpuHours, flexRoom);
    flexRoom -= served;
    servedF += served;
    const left = c.gpuHours - served;
    if (left <= 1e-9) continue;
    const due = c.dueInHours - dt;
    if (due <= 1e-9) droppedF += left;
    else remaining.push({ dueInHours: due, gpuHours: left });
  }
  // Bids: the GPUs the plan gave them, less what guaranteed and flex work took; cleared at one uniform price.
  const bids = scoreBids(
    state.openBids ?? [],
    truth.bids,
    Math.max(0, Math.min(capB, capG - servedG - servedF)),
    dt,
    totals,
  );
  // Busy GPUs draw serving power only for the work actually there.
  let gpuServingKw = 0;
  // Busy GPU count per pool, spread in proportion to capacity.
  const totalSpeed = pools.reduce((a, p) => a + p.sg * p.speed, 0);
  for (const p of pools) {
    const busy = totalSpeed > 0 ? (p.sg * (servedG + servedF + bids.filledGpuHours)) / totalSpeed : 0;
    gpuServingKw += ((p.pool.servingPowerW - p.pool.idlePowerW) * busy) / 1000;
    totals.gpuBusyHours += busy * dt;
  }

  let siteKw = site.pue * (asicItKw + gpuIdleKw + gpuServingKw);
  const capKw = siteCapKw(site);
  if (siteKw > capKw + 1e-6) {
    // Breaker physics: the gateway's ladder sheds ASIC power first; counted so a strategy cannot profit from it.
    totals.capExceededSteps += 1;
    const excessItKw = (siteKw - capKw) / site.pue;
    const flexibleKw = asicSettings.reduce((a, s) => a + (s.perUnitW * s.on) / 1000, 0);
    const scale = flexibleKw > 0 ? Math.max(0, 1 - excessItKw / flexibleKw) : 1;
    for (const s of asicSettings) s.perUnitW *= scale;
    asicItKw = asicSettings.reduce(
      (a, s) => a + (s.g.sleepPowerW * (s.g.unitCount - s.on) + s.perUnitW * s.on) / 1000,
      0,
    );
    siteKw = site.pue * (asicItKw + gpuIdleKw + gpuServingKw);
  }

  // Mining: hashrate on the curve; starts lose their wake time and wear the hardware.
  const miningBefore = totals.miningRevenueUsd;
  for (const { g, on, perUnitW } of asicSettings) {
    const prevOn = state.unitsOn[g.id] ?? g.unitCount;
    const starts = Math.max(0, on - prevOn);
    const stops = Math.max(0, prevOn - on);
    if (on !== prevOn) totals.switchCount += 1;
    totals.unitStarts += starts;
    const th = on * unitHashrateThs(g, perUnitW);
    totals.miningRevenueUsd += miningRevenueUsd(th, dt, truth.hashpriceUsdPerThDay);
    totals.miningRevenueUsd -= starts * unitWakeLossUsd(g, truth.hashpriceUsdPerThDay);
    totals.wearCostUsd += starts * g.wearUsdPerCycle;
    totals.unitHoursOn += on * dt;
    totals.unitHoursTotal += g.unitCount * dt;
    unitsOn[g.id] = on;
    const age = (xs: ReadonlyArray<{ hoursAgo: number; units: number }> | undefined) =>
      (xs ?? []).map((x) => ({ hoursAgo: x.hoursAgo + dt, units: x.units })).filter((x) => x.hoursAgo < 2);
    recentStarts[g.id] = [...age(state.recentStarts[g.id]), ...(starts > 0 ? [{ hoursAgo: dt, units: starts }] : [])];
    recentStops[g.id] = [...age(state.recentStops[g.id]), ...(stops > 0 ? [{ hoursAgo: dt, units: stops }] : [])];
  }
  for (const p of pools) if (p.powered !== (state.gpusPowered[p.pool.id] ?? p.pool.count)) totals.switchCount += 1;

  totals.inferenceRevenueUsd += servedG * demand.guaranteedUsdPerGpuHour + servedF * demand.flexUsdPerGpuHour;
  totals.penaltiesUsd +=
    droppedG * demand.guaranteedSlaPenaltyUsdPerGpuHour + droppedF * demand.flexSlaPenaltyUsdPerGpuHour;
  totals.droppedGpuHours += droppedG + droppedF;
  // A violation is a step with work dropped beyond rounding (0.01 GPU-hour).
  if (droppedG > 0.01) totals.slaViolations += 1;
  if (droppedF > 0.01) totals.slaViolations += 1;

  scoreAncillary(
    site,
    decision,
    asicSettings,
    totals.miningRevenueUsd - miningBefore,
    truth.priceUsdPerMwh,
    dt,
    truth.ancillary,
    totals,
  );

  // Grid: energy at the real-time price, expected 4CP, DR capacity credit and deployment shortfall.
  totals.energyCostUsd += energyCostUsd(siteKw, dt, truth.priceUsdPerMwh);
  totals.fourCpCostUsd +=
    (truth.peakProbability * fourCpUsdPerMwPerPeak(site, grid.fourCpUsdPerMwPerPeak) * siteKw) / 1000;
  let drBaselineKw = state.drBaselineKw;
  for (const dr of site.demandResponse) {
    totals.gridCreditsUsd += dr.capacityUsdPerMwh * dr.committedMw * dt;
    if (truth.drDeployed) {
      const shortfallKw = Math.max(0, siteKw - drCeilingKw(state.drBaselineKw, dr));
      totals.penaltiesUsd += (dr.shortfallPenaltyUsdPerMwh * shortfallKw * dt) / 1000;
    }
  }
  // The baseline is the load just before a deployment, frozen while it lasts.
  if (!truth.drDeployed) drBaselineKw = siteKw;
  totals.energyMwh += (siteKw * dt) / 1000;
  totals.capMwh += (capKw * dt) / 1000;

  const gpusPowered = Object.fromEntries(pools.map((p) => [p.pool.id, p.powered]));
  return {
    state: {
      unitsOn,
      recentStarts,
      recentStops,
      gpusPowered,
      flexBacklog: remaining,
      drBaselineKw,
      ...(truth.bids ? { openBids: bids.book } : {}),
    },
    sitePowerKw: siteKw,
    asicKw: site.pue * asicItKw,
    gpuKw: site.pue * (gpuIdleKw + gpuServingKw),
    netUsd: netProfitUsd(totals) - before,
  };
}
