import { sha256Hex } from '../api/canonical.js';
import type { WorkloadView } from '../api/workloads.js';
import { modelCatalogSeed, tokensPerSecPerGpu } from '../gpu/model-catalog.js';
import type { JobState } from '../routing/job-state.js';
import { roundUsd } from '../routing/pricing.js';
import type { Bid, BidFill } from './bid.js';

/**
 * A fill as work (issue 28): the GPU-hours a clearing sold become jobs in the `bid` tier (core/serving/tiers.ts),
 * routed and run like any workload (router → site queue → GpuWorker, or the partner runner for a partner fill).
 *
 * Size: one H100-equivalent GPU-hour of a model is the output tokens one H100 serves of it in an hour (the model
 * catalog's figure, the unit the router meters site work in), so a fill's tokens are its GPU-hours times that. The
 * work is split into parts of at most `BID_PART_MAX_OUTPUT_TOKENS` (a batch job is many requests; one request decodes
 * at one sequence's speed, so one huge request could never finish in the bid's window).
 *
 * Identity: each part's workload id and idempotency key derive from the bid id, the clearing id and the part's index,
 * so a clearing run again, or a fill's work created twice (a retried step, a re-delivered message), finds the same
 * ids and the conditional put creates each job once.
 */

/** The GPU the bid unit is defined on (core/optimizer/physics.ts: an H100-equivalent GPU-hour). */
const REFERENCE_GPU = 'nvidia-h100-sxm5';
/**
 * At most this many output tokens per part (~14 min at ~1,170 tok/s per sequence for an 8B model on H100s): what a
 * virtual GPU node accepts as one request's `max_tokens` (sim/devices/gpu/http-api.ts; a larger one is a 400, found in
 * an `npm start` run). A real vLLM bounds a request by the model's context (128 k tokens for Llama 3.1), which would
 * need smaller parts, per model from the catalog: not done.
 */
export const BID_PART_MAX_OUTPUT_TOKENS = 1_000_000;
/** A bid part's prompt: a few tokens (bid work is decode work). */
export const BID_PART_INPUT_TOKENS = 1;

/** Output tokens one H100-equivalent GPU-hour of the model serves; undefined for a model the catalog has no figure for. */
export function tokensPerGpuHour(modelId: string): number | undefined {
  const perSec = tokensPerSecPerGpu(modelCatalogSeed, REFERENCE_GPU, modelId);
  return perSec === undefined ? undefined : perSec * 3600;
}

/** The output tokens of each part of a fill, in order: all full parts but the last. */
export function fillPartTokens(modelId: string, gpuHours: number): number[] {
  const total = Math.max(1, Math.round(gpuHours * (tokensPerGpuHour(modelId) ?? 0)));
  const parts = Math.ceil(total / BID_PART_MAX_OUTPUT_TOKENS);
  return Array.from({ length: parts }, (_, i) =>
    i < parts - 1 ? BID_PART_MAX_OUTPUT_TOKENS : total - BID_PART_MAX_OUTPUT_TOKENS * (parts - 1),
  );
}

/** The id of part `index` of a fill: time-sortable like a submitted workload's, and the same on every run. */
export function fillWorkloadId(bidId: string, clearingId: string, intervalStart: string, index: number): string {
  const hash = sha256Hex(`${bidId}\n${clearingId}\n${index}`).slice(0, 16);
  return `wl-${Date.parse(intervalStart).toString(36).padStart(9, '0')}-${hash}`;
}

/** The fill's work as workloads, accepted and waiting for the router (or for the partner runner on a partner fill). */
export function fillWorkloads(bid: Bid, fill: BidFill, submittedAt: string): WorkloadView[] {
  const parts = fillPartTokens(bid.modelClass, fill.gpuHours);
  const total = parts.reduce((a, b) => a + b, 0);
  return parts.map((outputTokens, index) => {
    const id = fillWorkloadId(bid.id, fill.clearingId, fill.intervalStart, index);
    return {
      id,
      tenantId: bid.tenantId,
      idempotencyKey: `bid-fill:${id}`,
      modelId: bid.modelClass,
      inputTokens: BID_PART_INPUT_TOKENS,
      outputTokens,
      tier: 'bid',
      deadline: bid.deadlineAt,
      // The part's share of what the fill billed: informational (bid work is billed on the fill, never again).
      maxPriceUsd: Math.max(0.000001, roundUsd((fill.amountUsd * outputTokens) / total)),
      submittedAt,
      status: 'accepted',
    };
  });
}

/** The ids of a fill's parts, to read their jobs. */
export function fillWorkloadIds(bid: Pick<Bid, 'id' | 'modelClass'>, fill: BidFill): string[] {
  return fillPartTokens(bid.modelClass, fill.gpuHours).map((_, i) =>
    fillWorkloadId(bid.id, fill.clearingId, fill.intervalStart, i),
  );
}

export type FillWorkStatus = 'running' | 'completed' | 'failed';

export interface FillWork {
  readonly status: FillWorkStatus;
  readonly parts: number;
  readonly partsCompleted: number;
  /** Parts that failed, or finished after the bid's deadline. */
  readonly partsMissed: number;
  /** What the statement credits back for the missed parts. */
  readonly creditUsd: number;
}

/** When a part's work was done: its last site report's end (a partner never runs past the deadline). */
const endedAtMs = (state: JobState): number | undefined => {
  const report = state.reports[String(state.job.attempt)];
  return report ? Date.parse(report.endedAt) : undefined;
};

/**
 * How a fill's work went, and its credit. The rule: each part that failed, or completed after the bid's deadline,
 * is credited its share of the fill's amount (by output tokens, the work it stood for); a part not created or still
 * running credits nothing yet. So a fill whose work all ran in time costs its amount, one whose work all failed costs
 * nothing. Pure.
 */
export function fillWork(
  bid: Pick<Bid, 'modelClass' | 'deadlineAt'>,
  fill: BidFill,
  parts: ReadonlyArray<JobState | undefined>,
): FillWork {
  const deadlineMs = Date.parse(bid.deadlineAt);
  // Each part's share by the tokens it was created with (a requeued part asks only for what is left).
  const partTokens = fillPartTokens(bid.modelClass, fill.gpuHours);
  const total = partTokens.reduce((a, b) => a + b, 0);
  const isMissed = (s: JobState | undefined) =>
    !!s && (s.status === 'failed' || (s.status === 'completed' && (endedAtMs(s) ?? 0) > deadlineMs));
  const missedTokens = parts.reduce((a, s, i) => a + (isMissed(s) ? (partTokens[i] ?? 0) : 0), 0);
  const missed = parts.filter(isMissed).length;
  const ended = parts.every((s) => s?.status === 'completed' || s?.status === 'failed');
  return {
    status: !ended ? 'running' : missed === parts.length ? 'failed' : 'completed',
    parts: parts.length,
    partsCompleted: parts.filter((s) => s?.status === 'completed' && !isMissed(s)).length,
    partsMissed: missed,
    creditUsd: total > 0 ? roundUsd((fill.amountUsd * missedTokens) / total) : 0,
  };
}
