import { syntheticPrompt } from '../../../../core/gpu/models.js';
import type { PreemptionReason } from '../../../../core/routing/requeue.js';
import type { JobReport, SiteJob } from '../../../../core/routing/site-messages.js';
import { enginePriority } from '../../../../core/serving/tiers.js';
import type { InferenceOutcome, InferencePort } from '../../../adapters/inference/port.js';
import type { RunningJob } from './capacity.js';
import type { WorkerNode } from './config.js';

export { syntheticPrompt };

/** One attempt running on a node: the inference request in flight and how it may be stopped. */
export interface Run extends RunningJob {
  readonly node: WorkerNode;
  readonly startMs: number;
  readonly abort: AbortController;
  readonly outcome: Promise<InferenceOutcome>;
  preemption?: PreemptionReason | 'cancelled';
}

/** How an attempt ended, as its report carries it. */
export type RunEnding =
  | { readonly outcome: 'completed'; readonly inputTokens: number; readonly outputTokens: number }
  | { readonly outcome: 'preempted'; readonly reason: PreemptionReason; readonly checkpointOutputTokens: number }
  | { readonly outcome: 'failed'; readonly reason: string };

export const CANCELLED: RunEnding = { outcome: 'failed', reason: 'cancelled by the customer' };

/**
 * What the inference server's answer means for the attempt. Pure. An abort the worker asked for is a preemption (with
 * the tokens the server kept) or the customer's cancellation; any other failure fails the attempt, naming why.
 */
export function runEnding(result: InferenceOutcome, preemption: Run['preemption']): RunEnding {
  if (result.ok) {
    const { inputTokens, outputTokens } = result.value;
    return { outcome: 'completed', inputTokens, outputTokens };
  }
  const f = result.failure;
  if (f.kind === 'aborted' && preemption !== undefined) {
    return preemption === 'cancelled'
      ? CANCELLED
      : { outcome: 'preempted', reason: preemption, checkpointOutputTokens: f.checkpointOutputTokens };
  }
  const detail = f.kind === 'server-error' ? `HTTP ${f.status}: ${f.detail}` : 'detail' in f ? f.detail : f.kind;
  return { outcome: 'failed', reason: `inference ${f.kind}: ${detail}`.slice(0, 500) };
}

/** The final report of an attempt; one that never ran has node `none`, no duration and no usage. Pure. */
export function jobReport(input: {
  readonly siteId: string;
  readonly job: SiteJob;
  readonly nodeId?: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly usage: { readonly gpuSeconds: number; readonly energyKwh: number };
  readonly ending: RunEnding;
}): JobReport {
  const { job, usage } = input;
  return {
    jobId: job.jobId,
    tenantId: job.tenantId,
    attempt: job.attempt,
    siteId: input.siteId,
    poolId: job.poolId,
    nodeId: input.nodeId ?? 'none',
    startedAt: new Date(input.startMs).toISOString(),
    endedAt: new Date(input.endMs).toISOString(),
    gpuSeconds: usage.gpuSeconds,
    energyKwh: usage.energyKwh,
    ...input.ending,
  } as JobReport;
}

/** The attempts running on the site's nodes, by job id. */
export class RunningJobs {
  private readonly runs = new Map<string, Run>();

  get size(): number {
    return this.runs.size;
  }

  /** Sends the job to its node's inference server; the run's outcome settles when the server answers or aborts. */
  start(job: SiteJob, node: WorkerNode, startMs: number, inference: InferencePort): Run {
    const abort = new AbortController();
    const outcome = inference.complete({
      baseUrl: node.inferenceUrl,
      modelId: job.modelId,
      prompt: job.prompt ?? syntheticPrompt(job.inputTokens),
      maxTokens: job.outputTokens,
      // The engine's own order within a full batch (vLLM `--scheduling-policy priority`).
      priority: enginePriority(job.tier),
      signal: abort.signal,
    });
    const run: Run = { job, node, nodeId: node.nodeId, startMs, abort, outcome };
    this.runs.set(job.jobId, run);
    return run;
  }

  get(jobId: string): Run | undefined {
    return this.runs.get(jobId);
  }

  /** Takes the run out; false when it had already ended. */
  end(run: Run): boolean {
    return this.runs.delete(run.job.jobId);
  }

  all(): Run[] {
    return [...this.runs.values()];
  }

  runningOn(nodeId: string): number {
    return this.all().filter((r) => r.nodeId === nodeId).length;
  }

  /** Running attempts per node id (nodes running none are absent). */
  countByNode(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const run of this.runs.values()) counts.set(run.nodeId, (counts.get(run.nodeId) ?? 0) + 1);
    return counts;
  }
}

/** Asks each run to stop (its outcome settles as aborted) and records why. */
export function stopRuns(runs: readonly Run[], reason: PreemptionReason | 'cancelled'): void {
  for (const run of runs) {
    run.preemption = reason;
    run.abort.abort();
  }
}
