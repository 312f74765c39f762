import { z } from 'zod';
import type { FieldIssue } from '../support/validation.js';

/**
 * The model catalog: every open model version the platform can serve, with what placement, capacity and the node
 * agents need to know about it. It is the single source of serving throughput (tokens/s per GPU model); the hardware
 * catalog (core/gpu/models.ts `gpuHardware`, core/fleet/hardware-catalog.ts) holds the GPUs. The registry keeps it in
 * DynamoDB (functions/shared/data/model-catalog-store.ts); `modelCatalogSeed` is what a fresh registry starts from.
 */

export const servingEngineSchema = z.enum(['vllm', 'triton']);
export type ServingEngine = z.infer<typeof servingEngineSchema>;

const idPart = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash, underscore');
const modelIdSchema = z
  .string()
  .min(3)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a Hugging Face style id: org/name');
const versionSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash, underscore');
const positive = z.number().positive().max(1e9);

/** What an operator registers for one version of a model (PUT body); the id and version come from the path. */
export const modelVersionBodySchema = z.strictObject({
  /** Where the node agents fetch the weights: `s3://bucket/prefix/` or `hf://org/name@revision`. */
  weightsUri: z
    .string()
    .max(512)
    .regex(/^(s3:\/\/[a-z0-9.-]{3,63}\/\S*|hf:\/\/\S+)$/, 's3://bucket/prefix or hf://org/name@revision'),
  /** GPU memory the weights take at their serving precision (BF16: 2 bytes per parameter), all GPUs together. */
  gpuMemoryGb: positive,
  /** Parameters read per generated token, in billions (all for dense models, the active experts for MoE). */
  activeParamsB: positive,
  /** Aggregate output tokens/s per GPU at full batch, by GPU model of the hardware catalog (`nvidia-h100-sxm5`). */
  tokensPerSecPerGpu: z.record(z.string().min(1).max(64), positive).refine((r) => Object.keys(r).length > 0, {
    message: 'at least one GPU model',
  }),
  /** Seconds from process start to serving: weights from local NVMe into device memory, then engine warm-up. */
  warmupSeconds: z.number().int().min(1).max(3600),
  engine: servingEngineSchema,
});
export type ModelVersionBody = z.infer<typeof modelVersionBodySchema>;

/** `/v1/model-catalog/{org}/{name}/versions/{version}`: a model id's two halves are two path segments. */
export const modelVersionPathSchema = z.strictObject({ org: idPart, name: idPart, version: versionSchema });

export const modelVersionSchema = modelVersionBodySchema.extend({
  modelId: modelIdSchema,
  version: versionSchema,
});
export type ModelVersion = z.infer<typeof modelVersionSchema>;

/** A version as the registry answers it: who registered it and when (null for the seed data). */
export const modelVersionViewSchema = modelVersionSchema.extend({
  registeredAt: z.string().nullable(),
  registeredBy: z.string().nullable(),
});
export type ModelVersionView = z.infer<typeof modelVersionViewSchema>;

export const modelCatalogViewSchema = z.object({ models: z.array(modelVersionViewSchema) });

// Parameter counts from the model cards on Hugging Face: Llama 3.1 8B (8.03B), 70B (70.6B); Mixtral 8x7B (46.7B
// total, 12.9B active per token). Throughput: aggregate output tokens/s per GPU at large batch under vLLM, order of
// magnitude from MLPerf Inference v4.1 and vLLM's published benchmarks (70B figures are per GPU of a tensor-parallel
// group); H200's larger, faster memory gives ~1.3–1.6× on memory-bound models (NVIDIA H200 brief). Warm-up: vLLM cold
// starts from local NVMe, ~1 min for 8B, ~2 min for 70B (weights plus CUDA-graph capture). A board without a figure
// cannot be registered to serve the model until one is measured (site-config refuses the pair).
export const modelCatalogSeed: readonly ModelVersion[] = [
  {
    modelId: 'meta-llama/Llama-3.1-8B-Instruct',
    version: '0e9e39f',
    weightsUri: 'hf://meta-llama/Llama-3.1-8B-Instruct@0e9e39f',
    gpuMemoryGb: 16.1,
    activeParamsB: 8.03,
    tokensPerSecPerGpu: { 'nvidia-h100-sxm5': 6000, 'nvidia-h200-sxm': 7500 },
    warmupSeconds: 60,
    engine: 'vllm',
  },
  {
    modelId: 'meta-llama/Llama-3.1-70B-Instruct',
    version: '945c8663',
    weightsUri: 'hf://meta-llama/Llama-3.1-70B-Instruct@945c8663',
    gpuMemoryGb: 141.2,
    activeParamsB: 70.6,
    tokensPerSecPerGpu: { 'nvidia-h100-sxm5': 900, 'nvidia-h200-sxm': 1400 },
    warmupSeconds: 120,
    engine: 'vllm',
  },
  {
    modelId: 'mistralai/Mixtral-8x7B-Instruct-v0.1',
    version: '41bd4c9e',
    weightsUri: 'hf://mistralai/Mixtral-8x7B-Instruct-v0.1@41bd4c9e',
    gpuMemoryGb: 93.4,
    activeParamsB: 12.9,
    tokensPerSecPerGpu: { 'nvidia-h100-sxm5': 2500, 'nvidia-h200-sxm': 3300 },
    warmupSeconds: 100,
    engine: 'vllm',
  },
];

/**
 * Seconds a pool's GPUs warm before they serve when it serves no model the catalog knows: a 70B load from local NVMe
 * with CUDA-graph capture, ~2 min (vLLM cold start), the longest of the seed's.
 */
export const DEFAULT_GPU_WARMUP_SECONDS = 120;

/**
 * A pool's warm-up for the planner: the longest warm-up of the models it serves (their newest versions), else the
 * default. The catalog is the one source of warm-up time: deployments load each version with its own, the optimizer
 * charges a powering-up GPU this one.
 */
export function poolWarmupSeconds(catalog: readonly ModelVersion[], modelIds: readonly string[]): number {
  const known = modelIds.flatMap((id) => catalogEntry(catalog, id)?.warmupSeconds ?? []);
  return known.length > 0 ? Math.max(...known) : DEFAULT_GPU_WARMUP_SECONDS;
}

/** The catalog's entry for a model: the version asked for, or the newest registered (last in the list). */
export function catalogEntry(
  catalog: readonly ModelVersion[],
  modelId: string,
  version?: string,
): ModelVersion | undefined {
  const versions = catalog.filter((m) => m.modelId === modelId);
  return version === undefined ? versions.at(-1) : versions.find((m) => m.version === version);
}

/** Output tokens/s per GPU of `gpuModel` serving the model, or undefined when the catalog has no figure. */
export function tokensPerSecPerGpu(
  catalog: readonly ModelVersion[],
  gpuModel: string,
  modelId: string,
): number | undefined {
  return catalogEntry(catalog, modelId)?.tokensPerSecPerGpu[gpuModel];
}

/**
 * The catalog's rules beyond the schema, each naming its field: a throughput figure only for a GPU of the hardware
 * catalog, and weights that fit a tensor-parallel group of those GPUs (`fits(gpuModel)`).
 */
export function modelVersionViolations(
  body: ModelVersionBody,
  gpuMemoryGbByModel: Readonly<Record<string, number>>,
  fits: (weightsGb: number, gpuMemoryGb: number) => boolean,
): FieldIssue[] {
  return Object.keys(body.tokensPerSecPerGpu).flatMap((gpuModel): FieldIssue[] => {
    const field = `tokensPerSecPerGpu.${gpuModel}`;
    const memoryGb = gpuMemoryGbByModel[gpuModel];
    if (memoryGb === undefined) {
      return [{ field, rule: 'unknown_gpu_model', message: `${gpuModel} is not a GPU of the hardware catalog` }];
    }
    return fits(body.gpuMemoryGb, memoryGb)
      ? []
      : [
          {
            field: 'gpuMemoryGb',
            rule: 'does_not_fit',
            message: `${body.gpuMemoryGb} GB of weights fit no tensor-parallel group of ${gpuModel} (${memoryGb} GB)`,
          },
        ];
  });
}

/** A version without who registered it: what a gateway is sent to load. */
export function versionOf({ registeredAt: _at, registeredBy: _by, ...version }: ModelVersionView): ModelVersion {
  return version;
}

/** The catalog as served: the seed's versions unless the registry holds the same id and version, then the registry's. */
export function catalogOverSeed(
  stored: readonly ModelVersionView[],
  seed: readonly ModelVersion[] = modelCatalogSeed,
): ModelVersionView[] {
  const key = (m: ModelVersion) => `${m.modelId}@${m.version}`;
  const storedKeys = new Set(stored.map(key));
  return [
    ...seed.filter((m) => !storedKeys.has(key(m))).map((m) => ({ ...m, registeredAt: null, registeredBy: null })),
    ...stored,
  ];
}
