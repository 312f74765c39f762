import { z } from 'zod';
import { workloadTierSchema } from '../model/workload.js';
import { DEFAULT_PRICE_SHEET, type ModelRate, type PriceSheet, priceUsd, roundUsd } from '../routing/pricing.js';
import { idSchema, isoInstantSchema, nonNegative, siteIdSchema } from '../support/schema.js';

/**
 * One attempt of one job as metering records it: what ran where, what it consumed and what it bills. The field names
 * match the API's usage record (workloadId, attempt, siteId, completedAt, gpuSeconds, tokens, energyKwh, priceUsd);
 * pool, model, tier and outcome are kept for the statement's breakdown and the fleet figures.
 */
export const meteredAttemptSchema = z.strictObject({
  tenantId: idSchema,
  workloadId: idSchema,
  attempt: z.number().int().positive(),
  siteId: siteIdSchema,
  poolId: idSchema,
  modelId: z.string().min(1).max(128),
  tier: workloadTierSchema,
  outcome: z.enum(['completed', 'preempted', 'failed']),
  /** When the attempt ended; the calendar month (UTC) it falls in is the statement it counts in. */
  completedAt: isoInstantSchema,
  /** The job's share of its node's GPU time while it ran (concurrent jobs split it). */
  gpuSeconds: nonNegative,
  /** Tokens billed: all of a completed attempt's, the kept output of a checkpointed preemption, none otherwise. */
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  /** GPU energy from the node's power telemetry over the run, split across concurrent jobs. */
  energyKwh: nonNegative,
  priceUsd: nonNegative,
});
export type MeteredAttempt = z.infer<typeof meteredAttemptSchema>;

/** Micro-units: sums of records then equal the records' sum exactly, whatever the order. */
export const roundMicro = roundUsd;

export interface AttemptFacts {
  readonly tenantId: string;
  readonly workloadId: string;
  readonly attempt: number;
  readonly siteId: string;
  readonly poolId: string;
  readonly modelId: string;
  readonly tier: MeteredAttempt['tier'];
  readonly outcome: MeteredAttempt['outcome'];
  readonly endedAtMs: number;
  readonly gpuSeconds: number;
  readonly energyKwh: number;
  /** Tokens the attempt delivered (see `inputTokens` above). */
  readonly billedInputTokens: number;
  readonly billedOutputTokens: number;
}

/** The metered record of an attempt: price by tier from the tokens it delivered, on the pool it ran on. */
export function meterAttempt(
  facts: AttemptFacts,
  rate: ModelRate,
  sheet: PriceSheet = DEFAULT_PRICE_SHEET,
): MeteredAttempt {
  const tokens = { inputTokens: facts.billedInputTokens, outputTokens: facts.billedOutputTokens };
  return {
    tenantId: facts.tenantId,
    workloadId: facts.workloadId,
    attempt: facts.attempt,
    siteId: facts.siteId,
    poolId: facts.poolId,
    modelId: facts.modelId,
    tier: facts.tier,
    outcome: facts.outcome,
    completedAt: new Date(facts.endedAtMs).toISOString(),
    gpuSeconds: roundMicro(facts.gpuSeconds),
    inputTokens: tokens.inputTokens,
    outputTokens: tokens.outputTokens,
    energyKwh: roundMicro(facts.energyKwh),
    priceUsd: tokens.inputTokens + tokens.outputTokens === 0 ? 0 : priceUsd(tokens, facts.tier, rate, sheet),
  };
}
