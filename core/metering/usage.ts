import { z } from 'zod';
import { type UsageRecord, usageRecordSchema } from '../api/usage.js';
import { workloadTierSchema } from '../model/workload.js';
import { partnerIdSchema } from '../partners/catalogue.js';
import { DEFAULT_PRICE_SHEET, type ModelRate, type PriceSheet, priceUsd, roundUsd } from '../routing/pricing.js';
import { idSchema, nonNegative } from '../support/schema.js';

/**
 * One attempt of one job as metering records it: the API's usage record (core/api/usage.ts, what GET /v1/usage sums)
 * plus the pool, model, tier and outcome the statement's breakdown and the fleet figures need. Billed tokens are all
 * of a completed attempt's, the kept output of a checkpointed preemption, none otherwise; energy is GPU energy from
 * the node's power telemetry over the run, split across concurrent jobs; GPU-seconds the job's share of its node's
 * GPU time.
 */
export const meteredAttemptSchema = usageRecordSchema.extend({
  poolId: idSchema,
  modelId: z.string().min(1).max(128),
  tier: workloadTierSchema,
  outcome: z.enum(['completed', 'preempted', 'failed']),
  /** Set when a partner cloud ran the attempt (`siteId` is then the partner's id): the partner's charge to HCP. */
  partnerId: partnerIdSchema.optional(),
  partnerCostUsd: nonNegative.optional(),
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

/** The API's usage record of a metered attempt (its store is strict: the breakdown fields stay here). */
export function toUsageRecord(attempt: MeteredAttempt): UsageRecord {
  const {
    poolId: _pool,
    modelId: _model,
    tier: _tier,
    outcome: _outcome,
    partnerId: _partner,
    partnerCostUsd: _cost,
    ...record
  } = attempt;
  return record;
}
