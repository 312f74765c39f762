import { type AncillaryStepVars, addAncillary } from './constraints/ancillary.js';
import { addAsicCurve } from './constraints/asic-curve.js';
import { addBids, addBidTotals, type BidStepVars } from './constraints/bids.js';
import { addDemand, addTerminalBacklog } from './constraints/demand.js';
import { addGpuPool, type ServingCapacity } from './constraints/gpu-serving.js';
import { priceStep, priceTerminalBacklog, type StepVars } from './constraints/objective.js';
import { addDemandResponse, addSitePower } from './constraints/site-power.js';
import { emptyLoad, type StepContext, stepTimes } from './constraints/step.js';
import { addMinUpDown, addUnitStarts } from './constraints/unit-commitment.js';
import { type LpModel as Lp, LpModel, type LpVar } from './lp-text.js';
import type { SiteProblem } from './types.js';

/**
 * The site model of issue 3, per device group k, GPU pool g, demand class j, step t of length Δt hours, composed of
 * one constraint family per file under ./constraints/ (each file states its part of the model):
 *   asic-curve       units hashing and the concave power-target curve;
 *   unit-commitment  unit starts and stops, minimum up/down times;
 *   gpu-serving      GPUs powered and serving each class, warm-up;
 *   demand           guaranteed work served or dropped, the flex backlog, deadlines and the terminal condition;
 *   site-power       P = PUE·IT ≤ cap, demand-response commitment and shortfall;
 *   objective        mining and inference revenue, energy, 4CP, start costs, SLA and shortfall penalties;
 *   ancillary        capacity offered per product from the ASICs' consumed load (issue 25; only with
 *                    `problem.ancillary`), priced in its own file;
 *   bids             open bids as a demand curve served by the pools' bid GPUs (issue 28; only with `problem.bids`).
 * In MILP mode unit counts, GPUs powered and GPUs serving are integers; in LP mode they are relaxed and rounded when
 * decoded (units down, GPUs up, then the cap restored on the ASICs).
 */
export interface SiteModelIndex {
  readonly model: Lp;
  readonly steps: number;
  readonly unitsOn: LpVar[][];
  readonly segments: LpVar[][][];
  readonly gpuPowered: LpVar[][];
  readonly servingGuaranteed: LpVar[][];
  readonly servingFlex: LpVar[][];
  readonly sitePowerKw: LpVar[];
  readonly flexBacklog: LpVar[];
  readonly ancillary: AncillaryStepVars[];
  readonly servingBids: (ReadonlyMap<string, LpVar> | undefined)[][];
  readonly bids: BidStepVars[];
}

export function formulateSite(problem: SiteProblem, integerUnits: boolean): SiteModelIndex {
  const { site } = problem;
  const m = new LpModel();
  const times = stepTimes(problem.horizon.stepHours);
  const built: StepVars[] = [];
  const ancillary: AncillaryStepVars[] = [];
  const bids: BidStepVars[] = [];
  for (let t = 0; t < times.stepHours.length; t += 1) {
    const ctx: StepContext = { m, problem, times, t, integerUnits };
    const previous = built[t - 1];
    const load = emptyLoad();
    const asic = site.asicGroups.map((group, k) => {
      const curve = addAsicCurve(ctx, group, k, load);
      return { ...curve, ...addUnitStarts(ctx, group, k, curve.unitsOn, previous?.asic[k]?.unitsOn) };
    });
    site.asicGroups.forEach((group, k) => {
      const history = [...built.map((step) => step.asic[k]!), asic[k]!];
      addMinUpDown(ctx, group, asic[k]!.unitsOn, history);
    });
    ancillary.push(addAncillary(ctx, asic));
    const capacity: ServingCapacity = { guaranteed: [], flex: [], bids: new Map() };
    const gpu = site.gpuPools.map((pool, g) => addGpuPool(ctx, pool, g, previous?.gpu[g]?.powered, load, capacity));
    bids.push(addBids(ctx, capacity.bids));
    const demand = addDemand(ctx, capacity, previous?.demand.flexBacklog);
    const power = addSitePower(ctx, load);
    const step: StepVars = { asic, gpu, demand, power, shortfalls: addDemandResponse(ctx, power) };
    priceStep(ctx, step);
    built.push(step);
  }
  priceTerminalBacklog(m, problem, addTerminalBacklog(m, problem, built.at(-1)?.demand.flexBacklog));
  addBidTotals(m, problem, bids);

  return {
    model: m,
    steps: built.length,
    unitsOn: built.map((s) => s.asic.map((a) => a.unitsOn)),
    segments: built.map((s) => s.asic.map((a) => a.segments)),
    gpuPowered: built.map((s) => s.gpu.map((p) => p.powered)),
    servingGuaranteed: built.map((s) => s.gpu.map((p) => p.servingGuaranteed)),
    servingFlex: built.map((s) => s.gpu.map((p) => p.servingFlex)),
    sitePowerKw: built.map((s) => s.power),
    flexBacklog: built.map((s) => s.demand.flexBacklog),
    ancillary,
    servingBids: built.map((s) => s.gpu.map((p) => p.servingBids)),
    bids,
  };
}
