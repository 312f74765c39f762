import { type ModelVersion, modelCatalogSeed, tokensPerSecPerGpu } from '../gpu/model-catalog.js';
import { BID_REFERENCE_GPU } from '../optimizer/physics.js';

/**
 * A bid's own unit (issue 28: "GPU-hours or tokens"). The optimizer and the clearing count H100-equivalent GPU-hours
 * (core/optimizer/physics.ts); a bid in tokens is converted at the model catalog's throughput of an H100 serving the
 * bid's model (core/gpu/model-catalog.ts, the one source of tokens/s): one GPU-hour of Llama-3.1-8B is 6,000 tokens/s ×
 * 3,600 s = 21.6 million tokens. Fills and statements show the tokens and the price per million tokens beside the
 * GPU-hours they were cleared and billed in.
 */
export type BidUnit = 'gpu-hours' | 'tokens';

/** Tokens one H100-equivalent GPU-hour serves of the model, or undefined when the catalog has no H100 figure. */
export function tokensPerGpuHour(
  modelClass: string,
  catalog: readonly ModelVersion[] = modelCatalogSeed,
): number | undefined {
  const tps = tokensPerSecPerGpu(catalog, BID_REFERENCE_GPU, modelClass);
  return tps === undefined ? undefined : tps * 3600;
}

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

/** GPU-hours (to 1e-6, as fills are kept) of `tokens` of the model. */
export const gpuHoursOfTokens = (tokens: number, perGpuHour: number) => round(tokens / perGpuHour, 6);

/** $/GPU-hour of a price per million tokens (to 1e-6 $). */
export const usdPerGpuHourOf = (usdPerMillionTokens: number, perGpuHour: number) =>
  round((usdPerMillionTokens * perGpuHour) / 1e6, 6);

/** $/million tokens of a price per GPU-hour (to 1e-6 $). */
export const usdPerMillionTokensOf = (usdPerGpuHour: number, perGpuHour: number) =>
  round((usdPerGpuHour / perGpuHour) * 1e6, 6);

/** Whole tokens of `gpuHours` of the model. */
export const tokensOfGpuHours = (gpuHours: number, perGpuHour: number) => Math.round(gpuHours * perGpuHour);
