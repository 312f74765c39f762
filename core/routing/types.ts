import type { WorkloadTier } from '../model/workload.js';

/** A workload as the router sees it: what it asks for, and where it stands (attempt, tokens already kept). */
export interface RoutableJob {
  readonly id: string;
  readonly tenantId: string;
  readonly modelId: string;
  /** Tokens still to process: a checkpointed job carries its kept output in the prompt and asks for the rest. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly tier: WorkloadTier;
  readonly deadlineMs: number;
  /** The most the customer pays for what remains. */
  readonly maxPriceUsd: number;
  readonly submittedAtMs: number;
  /** 1 on first routing; each requeue adds one. */
  readonly attempt: number;
  /** Sites the job must not go to on this attempt (the site a grid emergency just pushed it off). */
  readonly avoidSiteIds?: readonly string[];
  /** Partner clouds that failed an earlier attempt of the job (core/partners/attempt.ts): not offered it again. */
  readonly avoidPartnerIds?: readonly string[];
  /** Not routed before this instant: a site handed the last attempt back unstarted, and the job pauses first. */
  readonly notBeforeMs?: number;
}

export interface TierWork {
  readonly guaranteed: number;
  readonly flex: number;
}

/** One GPU pool of one site as the current plan and the site's workers leave it. */
export interface PoolState {
  readonly siteId: string;
  readonly poolId: string;
  readonly gpuMemoryGb: number;
  /** GPUs the plan has serving now, schedulable nodes only (core/gpu). */
  readonly gpusServing: number;
  /** Output tokens per second per GPU at full batch, per model the pool serves. */
  readonly throughputTokensPerSecByModel: Readonly<Record<string, number>>;
  /** One sequence's decode speed per model (memory-bandwidth bound); absent means no bound beyond throughput. */
  readonly sequenceTokensPerSecByModel?: Readonly<Record<string, number>>;
  readonly warmupSeconds: number;
  /** H100-equivalent speed of one GPU (core/optimizer/physics.ts gpuSpeed): prices are per H100-hour. */
  readonly gpuSpeed: number;
  /** GPUs holding each model's weights now, warm or warming. */
  readonly warmGpusByModel: Readonly<Record<string, number>>;
  /** When the warming ones are ready; absent or past means ready. */
  readonly readyAtMsByModel?: Readonly<Record<string, number>>;
  /** Work already queued or running, GPU-seconds at full batch, by model and tier. */
  readonly backlogGpuSecondsByModel?: Readonly<Record<string, TierWork>>;
  /**
   * Sequences the pool decodes at once per model (nodes serving it × each server's `max_num_seqs`); with
   * `sequenceTokensPerSecByModel` it bounds finish times when jobs are many and short of batch: work beyond the slots
   * waits its turn.
   */
  readonly sequenceSlotsByModel?: Readonly<Record<string, number>>;
  /** Sequence-seconds queued or running by model and tier (each job's tokens at one sequence's speed). */
  readonly backlogSequenceSecondsByModel?: Readonly<Record<string, TierWork>>;
  /** Capacity comes (back) at this instant: a site curtailed now whose plan restores it later. */
  readonly availableFromMs?: number;
}

export type RefusalReason =
  | 'model-fits-no-pool'
  | 'no-capacity'
  | 'deadline-infeasible'
  | 'price-exceeds-max'
  | 'preempted-too-often';

export type RoutingDecision =
  | {
      readonly kind: 'assigned';
      readonly jobId: string;
      readonly attempt: number;
      readonly siteId: string;
      readonly poolId: string;
      /** Whether the model was already warm (or warming) there; a cold start adds the pool's warm-up. */
      readonly warm: boolean;
      readonly startAtMs: number;
      readonly estimatedFinishMs: number;
      readonly quoteUsd: number;
      readonly gpuSeconds: number;
    }
  | {
      readonly kind: 'refused';
      readonly jobId: string;
      readonly attempt: number;
      readonly reason: RefusalReason;
      readonly detail: string;
      /** The earliest finish any pool could give, when one could run it at all. */
      readonly earliestFinishMs?: number;
    };

/** What a site's workers know of a pool beyond the plan: models loaded, one sequence's speed, slots (by model). */
export interface PoolLive {
  readonly warmGpusByModel: Readonly<Record<string, number>>;
  readonly sequenceTokensPerSecByModel?: Readonly<Record<string, number>>;
  readonly sequenceSlotsByModel?: Readonly<Record<string, number>>;
  /** When set, the only models the pool's workers can run now (they do not load others on demand). */
  readonly servableModels?: readonly string[];
}
