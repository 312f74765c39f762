import type { GpuPool } from '../model/site.js';
import { GPU_WARMUP_BUSY_FRACTION } from '../optimizer/physics.js';

/** What starting one replica costs before it serves: its GPUs' draw over the warm-up, at the interval's price. */
export interface WarmupCharge {
  readonly gpuSeconds: number;
  readonly energyKwh: number;
  readonly costUsd: number;
}

/**
 * The warm-up of `gpus` GPUs for `warmupSeconds`: each draws idle power plus the warm-up share of its serving span
 * (loading weights is I/O-bound, core/optimizer/physics.ts), and serves nothing. The plan books it as the pool's
 * energy in the interval the replica starts in.
 */
export function warmupCharge(
  pool: Pick<GpuPool, 'idlePowerW' | 'servingPowerW'>,
  gpus: number,
  warmupSeconds: number,
  priceUsdPerMwh: number,
): WarmupCharge {
  const powerW = pool.idlePowerW + GPU_WARMUP_BUSY_FRACTION * (pool.servingPowerW - pool.idlePowerW);
  const energyKwh = (gpus * warmupSeconds * powerW) / 3.6e6;
  return { gpuSeconds: gpus * warmupSeconds, energyKwh, costUsd: (energyKwh / 1000) * priceUsdPerMwh };
}
