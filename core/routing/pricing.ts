import { tokenWork } from '../gpu/models.js';
import type { WorkloadTier } from '../model/workload.js';
import { DEFAULT_DEMAND_TERMS } from '../optimizer/types.js';

/**
 * What a GPU-hour of work sells for by tier, in the optimizer's unit (an H100-equivalent GPU-hour, see
 * core/optimizer/physics.ts gpuSpeed), so the router quotes what the optimizer values the work at.
 */
export interface PriceSheet {
  readonly usdPerGpuHourByTier: Readonly<Record<WorkloadTier, number>>;
}

export const DEFAULT_PRICE_SHEET: PriceSheet = {
  usdPerGpuHourByTier: {
    guaranteed: DEFAULT_DEMAND_TERMS.guaranteedUsdPerGpuHour,
    flex: DEFAULT_DEMAND_TERMS.flexUsdPerGpuHour,
    // Bid work is billed on its fill at the clearing's price (core/bids/clearing.ts), never again on its attempts.
    bid: 0,
  },
};

/** The serving figures of one model on one pool that price and time a job. */
export interface ModelRate {
  /** Output tokens per second per GPU at full batch. */
  readonly tokensPerSecPerGpu: number;
  /** H100-equivalent GPU-hours one of the pool's GPUs serves per hour. */
  readonly gpuSpeed: number;
}

export interface TokenCounts {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** GPU-seconds the job takes on the pool at full batch: its share of the GPUs, not its wall time. */
export function jobGpuSeconds(tokens: TokenCounts, rate: ModelRate): number {
  return tokenWork(tokens) / rate.tokensPerSecPerGpu;
}

/** Rounded to the micro-dollar, so a statement's total is exactly the sum of its lines. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/** The price of serving these tokens on this pool: H100-equivalent GPU-hours times the tier's rate. */
export function priceUsd(
  tokens: TokenCounts,
  tier: WorkloadTier,
  rate: ModelRate,
  sheet = DEFAULT_PRICE_SHEET,
): number {
  const h100Hours = (jobGpuSeconds(tokens, rate) * rate.gpuSpeed) / 3600;
  return roundUsd(h100Hours * sheet.usdPerGpuHourByTier[tier]);
}
