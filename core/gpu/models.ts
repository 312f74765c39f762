import { modelCatalogSeed } from './model-catalog.js';

/**
 * The open models the platform serves and the memory rules that decide where one fits. Shared by placement (core/
 * routing), capacity (core/gpu/capacity.ts) and the virtual GPU nodes (sim/devices/gpu), so a model the router places
 * is a model the node accepts.
 */
export interface OpenModelSpec {
  /** Weights in GB at BF16 (2 bytes per parameter). */
  readonly weightsGb: number;
  /** Parameters read per generated token, in billions (all of them for dense models, the active experts for MoE). */
  readonly activeParamsB: number;
}

/** The catalog's newest version of each model, as the memory rules need it (core/gpu/model-catalog.ts). */
export const openModels: Readonly<Record<string, OpenModelSpec>> = Object.fromEntries(
  modelCatalogSeed.map((m) => [m.modelId, { weightsGb: m.gpuMemoryGb, activeParamsB: m.activeParamsB }]),
);

/**
 * Share of a GPU's memory a serving engine may use for weights plus overhead; vLLM's default
 * `gpu_memory_utilization` is 0.9.
 */
export const USABLE_MEMORY_FRACTION = 0.9;
/** CUDA context, activations and a minimum KV cache on top of the weights, as a fraction of the weights. */
export const RUNTIME_OVERHEAD_FRACTION = 0.1;
/**
 * Prefill runs the whole prompt through the model in parallel, tens of times faster per token than decoding (vLLM
 * benchmarks report prompt throughput 20–100× generation throughput); one input token costs 1/50 of an output token.
 */
export const PREFILL_COST_PER_INPUT_TOKEN = 0.02;
/** Tensor-parallel groups stay inside one HGX baseboard (NVLink), and vLLM wants a power of two. */
export const TENSOR_PARALLEL_SIZES = [1, 2, 4, 8] as const;

/** Weights plus runtime overhead each GPU of a `tensorParallelSize` group holds. */
export function perGpuModelMemoryGb(model: OpenModelSpec, tensorParallelSize: number): number {
  return (model.weightsGb / tensorParallelSize) * (1 + RUNTIME_OVERHEAD_FRACTION);
}

/** What a serving engine may fill on a GPU of `gpuMemoryGb`. */
export function usableGpuMemoryGb(gpuMemoryGb: number): number {
  return gpuMemoryGb * USABLE_MEMORY_FRACTION;
}

/** The smallest tensor-parallel group whose GPUs hold the model, or undefined when none on one board does. */
export function tensorParallelToFit(model: OpenModelSpec, gpuMemoryGb: number): number | undefined {
  return TENSOR_PARALLEL_SIZES.find((size) => perGpuModelMemoryGb(model, size) <= usableGpuMemoryGb(gpuMemoryGb));
}

/** Decode-token equivalents of a job: its output tokens plus the prefill of its prompt. */
export function tokenWork(job: { readonly inputTokens: number; readonly outputTokens: number }): number {
  return job.outputTokens + job.inputTokens * PREFILL_COST_PER_INPUT_TOKEN;
}

/**
 * The GPU boards a pool may hold: the hardware half of the one catalog (core/fleet/hardware-catalog.ts adds the ASIC
 * models). `boardPowerW` is the default (maximum) power limit, `minPowerLimitW` the lowest `nvidia-smi -pl` /
 * `amd-smi set --power-cap` accepts, `memoryGb` the marketing capacity, `servingPowerW` what a board draws serving at
 * full batch, `idlePowerW` with a model resident and no requests.
 */
export interface GpuHardwareSpec {
  /** The pool's model string, as the site model and the dashboards print it. */
  readonly name: string;
  readonly vendor: 'NVIDIA' | 'AMD';
  readonly boardPowerW: number;
  readonly minPowerLimitW: number;
  readonly memoryGb: number;
  readonly idlePowerW: number;
  readonly servingPowerW: number;
}

export const gpuHardware: Readonly<Record<string, GpuHardwareSpec>> = {
  // H100 SXM5: 700 W max TDP, 80 GB HBM3 (NVIDIA H100 Tensor Core GPU datasheet); power limit range 200–700 W
  // (DGX H100 user guide, Redfish PowerLimitWatts AllowableMin/AllowableMax). Idle with a model resident ~90 W (a
  // typical nvidia-smi reading); a 70B load from NVMe ~2 min (vLLM cold start).
  'nvidia-h100-sxm5': {
    name: 'NVIDIA H100 SXM5',
    vendor: 'NVIDIA',
    boardPowerW: 700,
    minPowerLimitW: 200,
    memoryGb: 80,
    idlePowerW: 90,
    servingPowerW: 700,
  },
  // H200 SXM: 700 W max TDP, 141 GB HBM3e (NVIDIA H200 datasheet); same HGX power-limit floor as H100 (DGX H100/H200
  // user guide, one Redfish power-capping section for both).
  'nvidia-h200-sxm': {
    name: 'NVIDIA H200 SXM',
    vendor: 'NVIDIA',
    boardPowerW: 700,
    minPowerLimitW: 200,
    memoryGb: 141,
    idlePowerW: 90,
    servingPowerW: 700,
  },
  // B200 (HGX B200): 1,000 W per GPU, 180 GB HBM3e (NVIDIA HGX B200 spec sheet; DGX B200: 1,440 GB over 8 GPUs). The
  // power-limit floor is not published: 200 W is the DGX B200 user guide's Redfish AllowableMin example.
  'nvidia-b200': {
    name: 'NVIDIA B200',
    vendor: 'NVIDIA',
    boardPowerW: 1000,
    minPowerLimitW: 200,
    memoryGb: 180,
    idlePowerW: 140,
    servingPowerW: 1000,
  },
  // MI300X OAM: 750 W peak board power, 192 GB HBM3 (AMD Instinct MI300X data sheet). Power-cap floor: AMD does not
  // publish one; 300 W is the lowest cap amd-smi accepted in AMD's published MI300X power-capping tests (operator to
  // confirm on the fleet).
  'amd-mi300x': {
    name: 'AMD Instinct MI300X',
    vendor: 'AMD',
    boardPowerW: 750,
    minPowerLimitW: 300,
    memoryGb: 192,
    idlePowerW: 140,
    servingPowerW: 750,
  },
  // L40S PCIe: 350 W max board power, 48 GB GDDR6 (NVIDIA L40S datasheet); minimum power limit 100 W (nvidia-smi -q
  // "Min Power Limit" on L40S boards).
  'nvidia-l40s': {
    name: 'NVIDIA L40S',
    vendor: 'NVIDIA',
    boardPowerW: 350,
    minPowerLimitW: 100,
    memoryGb: 48,
    idlePowerW: 35,
    servingPowerW: 350,
  },
};

/** The hardware catalog id of a board named as the site model names it (`NVIDIA H100 SXM5` → `nvidia-h100-sxm5`). */
export function gpuHardwareIdOf(name: string): string | undefined {
  return Object.entries(gpuHardware).find(([, spec]) => spec.name === name)?.[0];
}

/**
 * Output tokens/s per GPU by board and model, read from the model catalog (its single source). Boards without a
 * figure cannot be registered to serve a model until the catalog measures them (a registry change naming one is
 * refused, naming the pair).
 */
export const servingThroughputTokensPerSec: Readonly<Record<string, Readonly<Record<string, number>>>> =
  Object.fromEntries(
    Object.keys(gpuHardware).map((board) => [
      board,
      Object.fromEntries(
        modelCatalogSeed.flatMap((m) =>
          m.tokensPerSecPerGpu[board] === undefined ? [] : [[m.modelId, m.tokensPerSecPerGpu[board]]],
        ),
      ),
    ]),
  );

/**
 * Four characters of English per token (OpenAI's rule of thumb): a stand-in prompt of the job's size, for a job
 * submitted as token counts (what the GPU workers and the partner clouds are sent).
 */
export function syntheticPrompt(inputTokens: number): string {
  return 'tok '.repeat(Math.max(1, inputTokens));
}
