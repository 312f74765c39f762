import { energyCostUsd, miningRevenueUsd } from '../../economics/energy.js';
import { fourCpUsdPerMwPerPeak } from '../../economics/transmission.js';
import type { LpModel, LpVar } from '../lp-text.js';
import { FLEX_DELAY_DISCOUNT_PER_HOUR, GPU_START_COST_USD, unitStartCostUsd } from '../physics.js';
import type { SiteProblem } from '../types.js';
import type { AsicCurveVars } from './asic-curve.js';
import { curveSegments } from './asic-curve.js';
import type { DemandVars } from './demand.js';
import type { GpuPoolVars } from './gpu-serving.js';
import { type StepContext, stepHoursOf } from './step.js';
import type { UnitStartVars } from './unit-commitment.js';

/**
 * The objective (maximised), priced on the variables the constraint families add: mining revenue + inference revenue
 * − energy at the real-time price − expected 4CP cost (probability × MW × $/MW per peak) − start costs − SLA and
 * DR-shortfall penalties. Under a fixed-price contract with sell-back the real-time price is still the right price:
 * a MWh not consumed is sold back at it, so it is the opportunity cost. DR capacity credits are paid for enrolment
 * whatever the dispatch, so they are a constant the simulator adds, not a decision term.
 */
export interface StepVars {
  readonly asic: ReadonlyArray<AsicCurveVars & UnitStartVars>;
  readonly gpu: readonly GpuPoolVars[];
  readonly demand: DemandVars;
  readonly power: LpVar;
  readonly shortfalls: readonly LpVar[];
}

export function priceStep(ctx: StepContext, vars: StepVars): void {
  priceMining(ctx, vars);
  priceGpuStarts(ctx, vars);
  priceInference(ctx, vars.demand);
  priceEnergy(ctx, vars.power);
  priceDrShortfall(ctx, vars.shortfalls);
}

/** Hashrate at the step's hashprice; each unit start costs wear plus the hashing lost while waking. */
function priceMining(ctx: StepContext, vars: StepVars): void {
  const { m, t, problem } = ctx;
  const dt = stepHoursOf(ctx);
  const hashprice = problem.horizon.hashpriceUsdPerThDay[t]!;
  problem.site.asicGroups.forEach((group, k) => {
    const { unitsOn, segments, starts } = vars.asic[k]!;
    m.addObjective(unitsOn, miningRevenueUsd(group.powerCurve[0]!.hashrateThs, dt, hashprice));
    curveSegments(group).forEach(({ thsPerKw }, s) => {
      m.addObjective(segments[s]!, miningRevenueUsd(thsPerKw, dt, hashprice));
    });
    m.addObjective(starts, -unitStartCostUsd(group, hashprice));
  });
}

function priceGpuStarts(ctx: StepContext, vars: StepVars): void {
  for (const pool of vars.gpu) ctx.m.addObjective(pool.starts, -GPU_START_COST_USD);
}

/** Served work earns its class price (flex a little less the later it is served); dropped work pays the SLA penalty. */
function priceInference(ctx: StepContext, vars: DemandVars): void {
  const { m, t, times } = ctx;
  const { demand } = ctx.problem;
  m.addObjective(vars.servedGuaranteed, demand.guaranteedUsdPerGpuHour);
  m.addObjective(vars.droppedGuaranteed, -demand.guaranteedSlaPenaltyUsdPerGpuHour);
  m.addObjective(vars.servedFlex, demand.flexUsdPerGpuHour * (1 - FLEX_DELAY_DISCOUNT_PER_HOUR * times.startHours[t]!));
  m.addObjective(vars.droppedFlex, -demand.flexSlaPenaltyUsdPerGpuHour);
}

/**
 * Energy at the real-time price plus any coupling price, and the expected 4CP transmission cost (the site's utility
 * rate), per kW of P: what curtailing in a likely peak avoids, weighed against the mining it gives up.
 */
function priceEnergy(ctx: StepContext, power: LpVar): void {
  const { m, t, problem } = ctx;
  const { horizon, grid } = problem;
  const dt = stepHoursOf(ctx);
  const price = horizon.priceUsdPerMwh[t]! + (problem.couplingPriceUsdPerMwh?.[t] ?? 0);
  const peakCost =
    (horizon.peakProbability[t]! * fourCpUsdPerMwPerPeak(problem.site, grid.fourCpUsdPerMwPerPeak)) / 1000;
  m.addObjective(power, -energyCostUsd(1, dt, price) - peakCost);
}

function priceDrShortfall(ctx: StepContext, shortfalls: readonly LpVar[]): void {
  const dt = stepHoursOf(ctx);
  shortfalls.forEach((shortfall, e) => {
    ctx.m.addObjective(shortfall, -(ctx.problem.site.demandResponse[e]!.shortfallPenaltyUsdPerMwh * dt) / 1000);
  });
}

/** Flex backlog left above the starting backlog is priced at the flex price: it is revenue deferred past the horizon. */
export function priceTerminalBacklog(m: LpModel, problem: SiteProblem, slack: LpVar | undefined): void {
  if (slack) m.addObjective(slack, -problem.demand.flexUsdPerGpuHour);
}
