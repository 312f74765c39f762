import { miningRevenueUsd } from '../economics/energy.js';
import { modelCatalogSeed, tokensPerSecPerGpu } from '../gpu/model-catalog.js';
import { openModels, tensorParallelToFit } from '../gpu/models.js';
import type { AsicGroup, GpuPool } from '../model/site.js';

/**
 * The physics shared by the LP model and the simulator, so both price a decision the same way (a single source:
 * the simulator's score of the LP's own plan equals the LP objective up to rounding of unit counts).
 */

/** Reference work unit: one H100 serving Llama-3.1-70B for an hour (its tokens/s from the model catalog). */
export const REFERENCE_MODEL = 'meta-llama/Llama-3.1-70B-Instruct';
const REFERENCE_TOKENS_PER_SEC = tokensPerSecPerGpu(modelCatalogSeed, 'nvidia-h100-sxm5', REFERENCE_MODEL)!;

/** H100-equivalent GPU-hours one GPU of the pool serves per hour. */
export function gpuSpeed(pool: GpuPool): number {
  const tps = pool.throughputTokensPerSecByModel[REFERENCE_MODEL];
  if (tps !== undefined) return tps / REFERENCE_TOKENS_PER_SEC;
  const values = Object.values(pool.throughputTokensPerSecByModel);
  return values.reduce((a, b) => a + b, 0) / values.length / REFERENCE_TOKENS_PER_SEC;
}

/** The GPU whose hour is the bid unit (an H100-equivalent GPU-hour, core/bids/units.ts). */
export const BID_REFERENCE_GPU = 'nvidia-h100-sxm5';

/**
 * H100-equivalent GPU-hours of `modelId` one GPU of the pool serves per hour (its tokens/s of that model over an
 * H100's, both from the model catalog), or undefined when the pool cannot serve the model: no throughput measured for
 * it on the pool, or weights that fit no tensor-parallel group of the pool's GPUs on one board. What a bid for the model
 * may be served with (core/optimizer/constraints/bids.ts).
 */
export function bidServingSpeed(pool: GpuPool, modelId: string): number | undefined {
  const tps = pool.throughputTokensPerSecByModel[modelId];
  const reference = tokensPerSecPerGpu(modelCatalogSeed, BID_REFERENCE_GPU, modelId);
  const spec = openModels[modelId];
  if (tps === undefined || reference === undefined || !spec) return undefined;
  return tensorParallelToFit(spec, pool.memoryGb) === undefined ? undefined : tps / reference;
}

/** TH/s of one unit at `powerW` on its concave curve (linear between points); 0 below the lowest target. */
export function unitHashrateThs(group: AsicGroup, powerW: number): number {
  const curve = group.powerCurve;
  const first = curve[0];
  if (!first || powerW < first.powerW - 1e-6) return 0;
  for (let i = 1; i < curve.length; i += 1) {
    const a = curve[i - 1]!;
    const b = curve[i]!;
    if (powerW <= b.powerW)
      return a.hashrateThs + ((powerW - a.powerW) * (b.hashrateThs - a.hashrateThs)) / (b.powerW - a.powerW);
  }
  return curve[curve.length - 1]!.hashrateThs;
}

export function unitMaxPowerW(group: AsicGroup): number {
  return group.powerCurve[group.powerCurve.length - 1]!.powerW;
}
export function unitMinPowerW(group: AsicGroup): number {
  return group.powerCurve[0]!.powerW;
}
export function unitMaxHashrateThs(group: AsicGroup): number {
  return group.powerCurve[group.powerCurve.length - 1]!.hashrateThs;
}

/** Hashing lost while one unit's boards re-tune for `wakeSeconds`, drawing power but earning nothing (at full hashrate). */
export function unitWakeLossUsd(group: AsicGroup, hashpriceUsdPerThDay: number): number {
  return miningRevenueUsd(unitMaxHashrateThs(group), group.wakeSeconds / 3600, hashpriceUsdPerThDay);
}

/** Cost of one unit start: wear (fans, PSU inrush) plus the hashing lost while waking. */
export function unitStartCostUsd(group: AsicGroup, hashpriceUsdPerThDay: number): number {
  return group.wearUsdPerCycle + unitWakeLossUsd(group, hashpriceUsdPerThDay);
}

/** Fraction of a step a freshly powered GPU spends loading weights instead of serving. */
export function gpuWarmupFraction(pool: GpuPool, stepHours: number): number {
  return Math.min(1, pool.modelWarmupSeconds / (stepHours * 3600));
}

/**
 * Loading weights is I/O-bound: a warming GPU draws ~15% of its serving span above idle (the virtual GPU nodes draw
 * the same, sim/devices/gpu).
 */
export const GPU_WARMUP_BUSY_FRACTION = 0.15;

/**
 * Average extra kW over a step, above idle, of one GPU powered up in it: its warm-up share of the step at the warm-up
 * draw. The plan charges it as energy, and the warm-up share serves nothing (`gpuWarmupFraction`).
 */
export function gpuWarmupExtraKw(pool: GpuPool, stepHours: number): number {
  return (
    (gpuWarmupFraction(pool, stepHours) * GPU_WARMUP_BUSY_FRACTION * (pool.servingPowerW - pool.idlePowerW)) / 1000
  );
}

/** IT power of a pool: idle draw of powered GPUs plus the serving increment of busy ones. */
export function gpuPoolPowerKw(pool: GpuPool, powered: number, serving: number): number {
  return (pool.idlePowerW * powered + (pool.servingPowerW - pool.idlePowerW) * serving) / 1000;
}

/**
 * Cost booked per GPU powered up: loading weights wears nothing much, but flapping GPUs on and off churns the site
 * scheduler's placement; a small price keeps plans from toggling GPUs for ties (operator choice).
 */
export const GPU_START_COST_USD = 0.05;

/**
 * Flex work earns a little less the longer it waits (0.1% per hour): ties between serving now and later break
 * towards now, as customers prefer, and work is not parked at the edge of a backtest.
 */
export const FLEX_DELAY_DISCOUNT_PER_HOUR = 0.001;
