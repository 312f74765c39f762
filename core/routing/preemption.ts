import type { WorkloadTier } from '../model/workload.js';

export interface ServingNode {
  readonly nodeId: string;
  readonly poolId: string;
  readonly gpuCount: number;
}

export interface RunningJob {
  readonly jobId: string;
  readonly attempt: number;
  readonly tier: WorkloadTier;
  readonly nodeId: string;
  /** Output tokens produced so far: the work a restart would lose. */
  readonly outputTokensDone: number;
}

export interface CapacityShrink {
  /** Nodes serving now. */
  readonly nodes: readonly ServingNode[];
  readonly running: readonly RunningJob[];
  /** GPUs per pool the gateway now allows to serve (a pool absent here keeps none). */
  readonly gpusServingByPool: Readonly<Record<string, number>>;
  /** A grid emergency (demand-response deployment): guaranteed work may be preempted too. */
  readonly emergency: boolean;
}

export interface ShrinkPlan {
  /** Nodes that take no new work from now on (cordoned), in the order they were chosen. */
  readonly vacateNodeIds: readonly string[];
  /** Jobs to stop, in order: every flex job before any guaranteed one. */
  readonly preempt: readonly RunningJob[];
  /** Guaranteed jobs left to finish on vacated nodes (no emergency): each node powers down once its jobs are done. */
  readonly draining: readonly RunningJob[];
}

/** Stopped first: bid work, then flex, then guaranteed. */
const STOP_ORDER: Readonly<Record<WorkloadTier, number>> = { bid: 0, flex: 1, guaranteed: 2 };

/** Least work lost first, then job id: a deterministic order within a tier. */
function byLeastProgress(a: RunningJob, b: RunningJob): number {
  return a.outputTokensDone - b.outputTokensDone || (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0);
}

/**
 * Which nodes to vacate when a site's GPU capacity shrinks, and which jobs to stop. Nodes holding the fewest
 * guaranteed jobs go first, then those with the least flex work, so the guaranteed work keeps its GPUs where it can.
 * Flex jobs on vacated nodes are preempted; guaranteed ones only in a grid emergency, and always after every flex job.
 */
export function planCapacityShrink(input: CapacityShrink): ShrinkPlan {
  const jobsOn = new Map<string, RunningJob[]>();
  for (const job of input.running) jobsOn.set(job.nodeId, [...(jobsOn.get(job.nodeId) ?? []), job]);
  const count = (nodeId: string, tier: WorkloadTier) =>
    (jobsOn.get(nodeId) ?? []).filter((j) => j.tier === tier).length;
  const vacate: string[] = [];
  const pools = [...new Set(input.nodes.map((n) => n.poolId))].sort();
  for (const poolId of pools) {
    const nodes = input.nodes
      .filter((n) => n.poolId === poolId)
      .sort(
        (a, b) =>
          count(a.nodeId, 'guaranteed') - count(b.nodeId, 'guaranteed') ||
          count(a.nodeId, 'flex') - count(b.nodeId, 'flex') ||
          (a.nodeId < b.nodeId ? -1 : 1),
      );
    let serving = nodes.reduce((sum, n) => sum + n.gpuCount, 0);
    const keep = input.gpusServingByPool[poolId] ?? 0;
    // A plan shrink keeps whole nodes while the plan needs any of their GPUs (a plan of 9 keeps two 8-GPU nodes: a
    // node cannot serve part of a model); a grid emergency keeps no more than it allows.
    for (const node of nodes) {
      if (input.emergency ? serving <= keep : serving - node.gpuCount < keep) break;
      vacate.push(node.nodeId);
      serving -= node.gpuCount;
    }
  }
  const onVacated = vacate.flatMap((nodeId) => jobsOn.get(nodeId) ?? []);
  const stoppable = onVacated.filter((j) => j.tier !== 'guaranteed' || input.emergency);
  const preempt = stoppable.sort((a, b) => STOP_ORDER[a.tier] - STOP_ORDER[b.tier] || byLeastProgress(a, b));
  const draining = onVacated.filter((j) => j.tier === 'guaranteed' && !input.emergency).sort(byLeastProgress);
  return { vacateNodeIds: vacate, preempt, draining };
}
