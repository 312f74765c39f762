import type { OpenModelSpec } from '../../../core/gpu/models.js';

/** What the simulator needs to know about a GPU board and an open model to place and run it. */
export interface GpuBoardSpec {
  /** As `nvidia-smi --query-gpu=name` prints it. */
  readonly smiName: string;
  /** `memory.total` in MiB as nvidia-smi reports it (a little under the marketing GB). */
  readonly memoryTotalMib: number;
  readonly memoryBandwidthTbPerSec: number;
  readonly tdpW: number;
  /** `nvidia-smi -pl` accepts limits in [minLimitW, tdpW]. */
  readonly minPowerLimitW: number;
}

// H100 SXM5: 80 GB HBM3 at 3.35 TB/s, 700 W TDP, power cap range 200–700 W (NVIDIA H100 datasheet; nvidia-smi -q).
const H100_SXM: GpuBoardSpec = {
  smiName: 'NVIDIA H100 80GB HBM3',
  memoryTotalMib: 81559,
  memoryBandwidthTbPerSec: 3.35,
  tdpW: 700,
  minPowerLimitW: 200,
};

// H200 SXM: 141 GB HBM3e at 4.8 TB/s, 700 W TDP (NVIDIA H200 datasheet).
const H200_SXM: GpuBoardSpec = {
  smiName: 'NVIDIA H200',
  memoryTotalMib: 143771,
  memoryBandwidthTbPerSec: 4.8,
  tdpW: 700,
  minPowerLimitW: 200,
};

/** The board behind a pool's model string (`NVIDIA H100 SXM5`, `NVIDIA H200 SXM`). */
export function boardSpecFor(poolModel: string): GpuBoardSpec {
  return /H200/i.test(poolModel) ? H200_SXM : H100_SXM;
}

// The open models and the memory rules are the platform's (core/gpu/models.ts): the router places a model exactly
// where a node accepts it.
export {
  type OpenModelSpec,
  openModels,
  RUNTIME_OVERHEAD_FRACTION,
  USABLE_MEMORY_FRACTION,
} from '../../../core/gpu/models.js';
/**
 * Throughput under a power cap: `(limit / TDP)^α`, floored. Inference is largely memory-bound, so a cap costs less than
 * proportionally: α = 0.4 gives ~81% throughput at 60% power, in line with the modest losses reported for capped
 * LLM inference on A100/H100 (Patel et al., "Characterizing Power Management Opportunities for LLMs in the Cloud",
 * ASPLOS 2024). Approximate; to be recalibrated on the fleet's own measurements.
 */
export const POWER_CAP_EXPONENT = 0.4;
export const POWER_CAP_FLOOR = 0.3;

export function throughputFactorAtLimit(limitW: number, tdpW: number): number {
  return Math.max(POWER_CAP_FLOOR, Math.min(1, (limitW / tdpW) ** POWER_CAP_EXPONENT));
}

/**
 * Tokens per second one sequence can decode: decoding reads all active weights once per token, so it is bound by
 * memory bandwidth; ~70% of peak bandwidth is what well-tuned kernels reach.
 */
export function perSequenceTokensPerSec(model: OpenModelSpec, board: GpuBoardSpec, gpuCount: number): number {
  const bytesPerToken = model.activeParamsB * 1e9 * 2;
  return (0.7 * board.memoryBandwidthTbPerSec * 1e12 * gpuCount) / bytesPerToken;
}
