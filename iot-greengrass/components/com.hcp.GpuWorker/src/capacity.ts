import { planCapacityShrink, type ShrinkPlan } from '../../../../core/routing/preemption.js';
import type { PreemptionReason } from '../../../../core/routing/requeue.js';
import type { SiteJob } from '../../../../core/routing/site-messages.js';
import type { WorkerNode } from './config.js';
import type { GpuCapacity } from './gateway-capacity.js';
import type { DrainStarted } from './node-manager.js';
import { tierRank } from './scheduler.js';

/** A job running on a node, as capacity and drain decisions see it. */
export interface RunningJob {
  readonly job: SiteJob;
  readonly nodeId: string;
  /** Set once the job has been told to stop: it is not stopped twice. */
  readonly preemption?: PreemptionReason | 'cancelled';
}

export interface CapacityFit {
  /** The nodes that take no new work after this fit. */
  readonly vacated: ReadonlySet<string>;
  readonly plan: ShrinkPlan;
  readonly reason: PreemptionReason;
  /** Jobs to stop, in the order their reports go: flex before guaranteed, the plan's order within each. */
  readonly stopJobIds: readonly string[];
}

/**
 * Fits the nodes to the gateway's capacity. Pure. Grown capacity first brings vacated nodes back (those with draining
 * work first, whole nodes while the pool's plan is not covered); then the shrink plan (core/routing/preemption.ts)
 * vacates nodes among those that take work and picks the jobs to stop. A grid emergency also stops the guaranteed work
 * left draining on nodes vacated earlier or held by a cordon.
 */
export function fitCapacity(input: {
  readonly capacity: GpuCapacity;
  readonly nodes: readonly WorkerNode[];
  readonly vacated: ReadonlySet<string>;
  /** Whether no cordon, drain or health hold keeps the node from new work. */
  readonly takesWork: (nodeId: string) => boolean;
  readonly running: readonly RunningJob[];
}): CapacityFit {
  const { capacity, nodes, takesWork, running } = input;
  const vacated = restoreNodes(input);
  // A cordoned or draining node serves none of the plan's GPUs: the shrink keeps the nodes that take work.
  const serving = nodes.filter((n) => !vacated.has(n.nodeId) && takesWork(n.nodeId));
  const plan = planCapacityShrink({
    nodes: serving.map((n) => ({ nodeId: n.nodeId, poolId: n.poolId, gpuCount: n.gpuCount })),
    running: running.map((r) => ({
      jobId: r.job.jobId,
      attempt: r.job.attempt,
      tier: r.job.tier,
      nodeId: r.nodeId,
      outputTokensDone: 0,
    })),
    gpusServingByPool: capacity.gpusServingByPool,
    emergency: capacity.emergency,
  });
  const draining = capacity.emergency
    ? running.filter((r) => vacated.has(r.nodeId) || !takesWork(r.nodeId)).map((r) => r.job)
    : [];
  for (const nodeId of plan.vacateNodeIds) vacated.add(nodeId);
  const tierOf = new Map(running.map((r) => [r.job.jobId, r.job]));
  const stopJobIds = [...plan.preempt.map((p) => tierOf.get(p.jobId)!), ...draining]
    // Stable: flex before guaranteed, the plan's order within each.
    .sort((a, b) => tierRank(b) - tierRank(a))
    .map((j) => j.jobId);
  return { vacated, plan, reason: capacity.emergency ? 'grid-emergency' : 'capacity', stopJobIds };
}

/** Grown capacity brings vacated nodes back, those with draining work first, until the plan's GPUs are covered. */
function restoreNodes(input: Parameters<typeof fitCapacity>[0]): Set<string> {
  const { capacity, nodes, takesWork, running } = input;
  const vacated = new Set(input.vacated);
  const servingGpus = (poolId: string) =>
    nodes
      .filter((n) => n.poolId === poolId && !vacated.has(n.nodeId) && takesWork(n.nodeId))
      .reduce((s, n) => s + n.gpuCount, 0);
  const busy = (nodeId: string) => running.some((r) => r.nodeId === nodeId);
  // A cordoned node stays vacated: it comes back with the next growth after its uncordon.
  const candidates = nodes
    .filter((n) => vacated.has(n.nodeId) && takesWork(n.nodeId))
    .sort((a, b) => Number(busy(b.nodeId)) - Number(busy(a.nodeId)) || a.nodeId.localeCompare(b.nodeId));
  for (const node of candidates) {
    const target = capacity.gpusServingByPool[node.poolId] ?? 0;
    // Whole nodes, as a shrink keeps them: one comes back while the plan's GPUs are not all covered.
    if (servingGpus(node.poolId) < target) vacated.delete(node.nodeId);
  }
  return vacated;
}

/** A node started draining: its flex and bid work not already stopping goes back (guaranteed work finishes there). Pure. */
export function drainStops(
  { nodeId, by }: DrainStarted,
  running: readonly RunningJob[],
): { reason: PreemptionReason; stopJobIds: string[] } {
  const reason: PreemptionReason = by === 'health' ? 'node-unhealthy' : 'capacity';
  const stopJobIds = running
    .filter((r) => r.nodeId === nodeId && r.job.tier !== 'guaranteed' && r.preemption === undefined)
    .map((r) => r.job.jobId);
  return { reason, stopJobIds };
}

/**
 * The nodes capacity has vacated, and the capacity last applied: the same capacity twice is fitted once, until a node
 * command or a health change makes the nodes that take work differ (`refit`).
 */
export class NodeCapacity {
  private readonly vacated = new Set<string>();
  private lastKey = '';
  /** Why capacity last shrank: a job arriving for a pool with no node serving goes back for the same reason. */
  private lastReason: PreemptionReason = 'capacity';

  get shrinkReason(): PreemptionReason {
    return this.lastReason;
  }

  isVacated(nodeId: string): boolean {
    return this.vacated.has(nodeId);
  }

  vacatedNodeIds(): string[] {
    return [...this.vacated].sort();
  }

  /** The nodes that take work changed: the next capacity is fitted even if it is the same. */
  refit(): void {
    this.lastKey = '';
  }

  /** Fits the nodes to the capacity if it changed since the last fit. */
  apply(
    capacity: GpuCapacity,
    nodes: readonly WorkerNode[],
    takesWork: (nodeId: string) => boolean,
    running: readonly RunningJob[],
  ): CapacityFit | undefined {
    const key = JSON.stringify(capacity);
    if (key === this.lastKey) return undefined;
    this.lastKey = key;
    const fit = fitCapacity({ capacity, nodes, vacated: this.vacated, takesWork, running });
    this.vacated.clear();
    for (const nodeId of fit.vacated) this.vacated.add(nodeId);
    this.lastReason = fit.reason;
    return fit;
  }
}
