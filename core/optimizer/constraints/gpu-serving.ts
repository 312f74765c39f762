import type { GpuPool } from '../../model/site.js';
import type { LpVar } from '../lp-text.js';
import { bidServingSpeed, gpuSpeed, gpuWarmupExtraKw, gpuWarmupFraction } from '../physics.js';
import { type ItLoad, type StepContext, stepHoursOf } from './step.js';

/**
 * GPU pool g in step t: w GPUs powered, s_j serving demand class j (guaranteed, flex, and one per bid model class the
 * pool can serve when there are bids: its throughput measured and the weights fitting its GPUs), gs GPUs powered up
 * (gs ≥ w_t − w_{t−1}). A GPU powered up this step spends its warm-up loading weights: Σ_j s_j + warm·gs ≤ w.
 * IT power = idle·w + (serving − idle)·Σ_j s_j + warm-up draw·gs. Each serving GPU does gpuSpeed·Δt H100-equivalent GPU-hours of work.
 */
export interface GpuPoolVars {
  readonly powered: LpVar;
  readonly servingGuaranteed: LpVar;
  readonly servingFlex: LpVar;
  /** GPUs serving bids (issue 28), by the model class they serve; only when the problem has bids. */
  readonly servingBids?: ReadonlyMap<string, LpVar>;
  readonly starts: LpVar;
}

/** What the pools can serve in a step, per class: GPU-hours of work per serving GPU, as −coefficients for a row. */
export interface ServingCapacity {
  readonly guaranteed: Array<readonly [LpVar, number]>;
  readonly flex: Array<readonly [LpVar, number]>;
  /** Per bid model class: the GPUs that may serve it, each with its H100-equivalent GPU-hours of that model. */
  readonly bids: Map<string, Array<readonly [LpVar, number]>>;
}

/** `previous` is w_{t−1}, or undefined in the first step (the GPUs powered now, from the state). */
export function addGpuPool(
  ctx: StepContext,
  pool: GpuPool,
  g: number,
  previous: LpVar | undefined,
  load: ItLoad,
  capacity: ServingCapacity,
): GpuPoolVars {
  const { m, t, integerUnits } = ctx;
  const stepHours = stepHoursOf(ctx);
  const powered = m.addVar(`w_${g}_${t}`, 0, pool.count, 0, integerUnits);
  const servingGuaranteed = m.addVar(`sg_${g}_${t}`, 0, pool.count, 0, integerUnits);
  const servingFlex = m.addVar(`sf_${g}_${t}`, 0, pool.count, 0, integerUnits);
  const servingBids = bidServingVars(ctx, pool, g);
  const starts = m.addVar(`gs_${g}_${t}`, 0, pool.count);
  // gs ≥ w − w_prev, w_prev the GPUs powered now in the first step.
  const poweredNow = ctx.problem.state.gpusPowered[pool.id] ?? pool.count;
  m.addRow(
    [[starts, 1], [powered, -1], ...(previous ? [[previous, 1] as const] : [])],
    '>=',
    previous ? 0 : -poweredNow,
  );
  m.addRow(
    [
      [servingGuaranteed, 1],
      [servingFlex, 1],
      ...[...(servingBids?.values() ?? [])].map((sb) => [sb, 1] as const),
      [starts, gpuWarmupFraction(pool, stepHours)],
      [powered, -1],
    ],
    '<=',
    0,
  );
  const servingIncrementKw = (pool.servingPowerW - pool.idlePowerW) / 1000;
  load.terms.push(
    [powered, pool.idlePowerW / 1000],
    [servingGuaranteed, servingIncrementKw],
    [starts, gpuWarmupExtraKw(pool, stepHours)],
  );
  load.terms.push([servingFlex, servingIncrementKw]);
  capacity.guaranteed.push([servingGuaranteed, -gpuSpeed(pool) * stepHours]);
  capacity.flex.push([servingFlex, -gpuSpeed(pool) * stepHours]);
  for (const [modelClass, sb] of servingBids ?? []) {
    load.terms.push([sb, servingIncrementKw]);
    const classCapacity = capacity.bids.get(modelClass) ?? [];
    classCapacity.push([sb, -bidServingSpeed(pool, modelClass)! * stepHours]);
    capacity.bids.set(modelClass, classCapacity);
  }
  return { powered, servingGuaranteed, servingFlex, ...(servingBids ? { servingBids } : {}), starts };
}

/** One serving variable per model class of the problem's bids the pool can serve; undefined without bids. */
function bidServingVars(ctx: StepContext, pool: GpuPool, g: number): ReadonlyMap<string, LpVar> | undefined {
  const bids = ctx.problem.bids ?? [];
  if (bids.length === 0) return undefined;
  const classes = [...new Set(bids.map((b) => b.modelClass))].sort();
  const vars = new Map<string, LpVar>();
  classes.forEach((modelClass, c) => {
    if (bidServingSpeed(pool, modelClass) === undefined) return;
    vars.set(modelClass, ctx.m.addVar(`sb_${g}_${c}_${ctx.t}`, 0, pool.count, 0, ctx.integerUnits));
  });
  return vars;
}
