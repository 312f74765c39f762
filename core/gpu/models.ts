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

// Parameter counts from the model cards on Hugging Face: Llama 3.1 8B (8.03B), 70B (70.6B); Mixtral 8x7B (46.7B
// total, 12.9B active per token).
export const openModels: Readonly<Record<string, OpenModelSpec>> = {
  'meta-llama/Llama-3.1-8B-Instruct': { weightsGb: 16.1, activeParamsB: 8.03 },
  'meta-llama/Llama-3.1-70B-Instruct': { weightsGb: 141.2, activeParamsB: 70.6 },
  'mistralai/Mixtral-8x7B-Instruct-v0.1': { weightsGb: 93.4, activeParamsB: 12.9 },
};

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
