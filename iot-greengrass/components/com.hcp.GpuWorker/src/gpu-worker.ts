import type { GpuNodeReport } from '../../../../core/gpu/node-messages.js';
import { attributeNodeUsage, type JobRun, type PowerSample } from '../../../../core/metering/attribution.js';
import { planCapacityShrink, type ShrinkPlan } from '../../../../core/routing/preemption.js';
import type { PreemptionReason } from '../../../../core/routing/requeue.js';
import { type JobReport, type SiteJob, siteJobSchema } from '../../../../core/routing/site-messages.js';
import type { Clock } from '../../../../core/support/clock.js';
import { type FieldIssue, parseWith } from '../../../../core/support/validation.js';
import type {
  InferenceOutcome,
  InferencePort,
  JobQueuePort,
  NodeHealthPort,
  NodePowerPort,
  ReportSink,
} from '../../../adapters/inference/port.js';
import type { WorkerNode } from './config.js';
import type { GpuCapacity } from './gateway-capacity.js';
import { type DrainStarted, type NodeCommandResult, NodeManager } from './node-manager.js';

/** What became of one delivered queue message. Malformed, stale and foreign messages are typed, never thrown. */
export type Delivery =
  | { readonly kind: 'accepted'; readonly jobId: string; readonly attempt: number }
  /** The same attempt again: ignored while it runs; its final report is sent again once it has ended. */
  | { readonly kind: 'duplicate'; readonly jobId: string; readonly attempt: number; readonly replayed: boolean }
  | { readonly kind: 'stale-attempt'; readonly jobId: string; readonly attempt: number; readonly current: number }
  | { readonly kind: 'malformed-job'; readonly issues: readonly FieldIssue[] }
  | { readonly kind: 'unknown-pool'; readonly jobId: string; readonly poolId: string };

export type CancelResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: 'unknown-job' | 'already-ended' };

interface Run {
  readonly job: SiteJob;
  readonly node: WorkerNode;
  readonly startMs: number;
  readonly abort: AbortController;
  readonly outcome: Promise<InferenceOutcome>;
  preemption?: PreemptionReason | 'cancelled';
}

interface Known {
  readonly attempt: number;
  state: 'pending' | 'running' | 'ended';
  report?: JobReport;
}

export interface GpuWorkerDeps {
  readonly siteId: string;
  readonly nodes: readonly WorkerNode[];
  readonly queue: JobQueuePort;
  readonly reports: ReportSink;
  readonly inference: InferencePort;
  readonly power: NodePowerPort;
  readonly clock: Clock;
  /** The gateway's GPU capacity now (GatewayCapacity.at), read every tick. */
  readonly capacity: (nowMs: number) => GpuCapacity;
  readonly powerSampleMs: number;
  /** Real-time hosts tick on a timer; 0 when the caller ticks. */
  readonly tickMs: number;
  readonly log?: (event: string, detail: Record<string, unknown>) => void;
  /** Each node's GPU health (dcgm-exporter); without it no node is cordoned by health. */
  readonly health?: NodeHealthPort;
  /** @default 5000 */
  readonly healthSampleMs?: number;
  /** Where the nodes' inventory and health go (`gpu-nodes`, QoS 0); without it nothing is reported. */
  readonly inventoryReports?: ReportSink;
  /** The report is sent on every change and at least this often. @default 10000 */
  readonly inventoryReportMs?: number;
  /** An operator command older than this is refused as stale. @default 600000 (10 minutes) */
  readonly maxCommandAgeMs?: number;
}

const tierRank = (job: SiteJob) => (job.tier === 'guaranteed' ? 0 : 1);
const byPriority = (a: SiteJob, b: SiteJob) =>
  tierRank(a) - tierRank(b) || a.deadline.localeCompare(b.deadline) || a.jobId.localeCompare(b.jobId);

/** Four characters of English per token (OpenAI's rule of thumb): a stand-in prompt of the job's size. */
export function syntheticPrompt(inputTokens: number): string {
  return 'tok '.repeat(Math.max(1, inputTokens));
}

/**
 * com.hcp.GpuWorker: takes the site's jobs from its queue, runs them on the GPU nodes through the inference port,
 * meters each attempt (GPU time and energy from node power, split across concurrent jobs) and reports how it ended.
 * When the gateway shrinks GPU capacity it vacates nodes and preempts flex work first; guaranteed work is preempted
 * only in a grid emergency, else it finishes on its vacated node (drain). Operators cordon and drain single nodes, and
 * the nodes' health (DCGM) cordons or drains them too (NodeManager); no new work lands on such a node. Every report is
 * keyed by job id + attempt and re-sent until the sink takes it, so the cloud may see one twice but never loses one.
 */
export class GpuWorker {
  private readonly known = new Map<string, Known>();
  private readonly pending: SiteJob[] = [];
  private readonly running = new Map<string, Run>();
  private readonly vacated = new Set<string>();
  private readonly runsByNode = new Map<string, JobRun[]>();
  private readonly samplesByNode = new Map<string, PowerSample[]>();
  private readonly unsent: JobReport[] = [];
  private readonly settling = new Set<Promise<unknown>>();
  private lastCapacityKey = '';
  /** Why capacity last shrank: a job arriving for a pool with no node serving goes back for the same reason. */
  private shrinkReason: PreemptionReason = 'capacity';
  private lastSampleMs = Number.NEGATIVE_INFINITY;
  private sampling: Promise<void> | undefined;
  private sending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly cluster: NodeManager;
  private lastHealthMs = Number.NEGATIVE_INFINITY;
  private healthSampling: Promise<void> | undefined;
  private lastInventoryKey = '';
  private lastInventoryMs = Number.NEGATIVE_INFINITY;

  private constructor(private readonly deps: GpuWorkerDeps) {
    this.cluster = new NodeManager(deps.siteId, deps.nodes, deps.maxCommandAgeMs ?? 600_000);
  }

  static async start(deps: GpuWorkerDeps): Promise<GpuWorker> {
    const worker = new GpuWorker(deps);
    await worker.samplePower();
    await deps.queue.start((payload) => worker.deliver(payload));
    if (deps.tickMs > 0) {
      worker.timer = setInterval(() => void worker.tick(), deps.tickMs);
      worker.timer.unref();
    }
    return worker;
  }

  /** One queue message: validated, de-duplicated by job id + attempt, then queued for a node of its pool. */
  deliver(payload: string): Delivery {
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      return this.refuse({ kind: 'malformed-job', issues: [{ field: '(root)', rule: 'json', message: 'not JSON' }] });
    }
    const parsed = parseWith(siteJobSchema, json);
    if (!parsed.ok) return this.refuse({ kind: 'malformed-job', issues: parsed.issues });
    const job = parsed.value;
    const known = this.known.get(job.jobId);
    if (known && job.attempt < known.attempt) {
      return this.refuse({ kind: 'stale-attempt', jobId: job.jobId, attempt: job.attempt, current: known.attempt });
    }
    if (known && job.attempt === known.attempt) {
      if (known.report) this.send(known.report);
      return { kind: 'duplicate', jobId: job.jobId, attempt: job.attempt, replayed: known.report !== undefined };
    }
    if (!this.deps.nodes.some((n) => n.poolId === job.poolId)) {
      this.end(job, undefined, this.nowMs(), {
        outcome: 'failed',
        reason: `pool ${job.poolId} has no node at this site`,
      });
      return this.refuse({ kind: 'unknown-pool', jobId: job.jobId, poolId: job.poolId });
    }
    this.known.set(job.jobId, { attempt: job.attempt, state: 'pending' });
    this.pending.push(job);
    this.schedule();
    return { kind: 'accepted', jobId: job.jobId, attempt: job.attempt };
  }

  /** A customer's cancellation: a pending job ends failed, a running one is stopped. */
  cancel(jobId: string): CancelResult {
    const known = this.known.get(jobId);
    if (!known) return { ok: false, error: 'unknown-job' };
    if (known.state === 'ended') return { ok: false, error: 'already-ended' };
    const run = this.running.get(jobId);
    if (run) {
      run.preemption = 'cancelled';
      run.abort.abort();
      this.track(this.reportInOrder([run]));
      return { ok: true };
    }
    const at = this.pending.findIndex((j) => j.jobId === jobId);
    const [job] = this.pending.splice(at, 1);
    this.end(job!, undefined, this.nowMs(), { outcome: 'failed', reason: 'cancelled by the customer' });
    return { ok: true };
  }

  /** Capacity, deadlines, scheduling, power samples and report retries, as of the clock. */
  async tick(): Promise<void> {
    this.applyCapacity(this.deps.capacity(this.nowMs()));
    // Work routed before the cloud learnt of a shrink may arrive after it: back it goes, not to wait here.
    this.returnUnservable(this.shrinkReason);
    this.expireDeadlines();
    this.schedule();
    if (this.nowMs() - this.lastSampleMs >= this.deps.powerSampleMs) await this.samplePower();
    if (this.deps.health && this.nowMs() - this.lastHealthMs >= (this.deps.healthSampleMs ?? 5000)) {
      await this.sampleHealth();
    }
    this.reportInventory();
    await this.flush();
  }

  /**
   * An operator's command for one node: cordon (no new work), drain (no new work, flex work preempted with reason
   * `capacity`, guaranteed work finishes) or uncordon. Unknown nodes, other sites, duplicate and stale command ids are
   * refused and change nothing.
   */
  command(raw: unknown): NodeCommandResult {
    const { result, drain } = this.cluster.command(raw, this.nowMs());
    this.log(result.kind === 'applied' ? 'node-command' : 'node-command-refused', { ...result });
    if (result.kind !== 'applied') return result;
    // The nodes that take work changed: the next tick fits them to the gateway's capacity again.
    this.lastCapacityKey = '';
    if (drain) this.drain(drain);
    this.returnUnservable('capacity');
    this.schedule();
    this.reportInventory();
    return result;
  }

  /** The nodes' inventory, scheduling state and health as the `gpu-nodes` report carries them. */
  inventory(): GpuNodeReport {
    const running = new Map<string, number>();
    for (const run of this.running.values()) running.set(run.node.nodeId, (running.get(run.node.nodeId) ?? 0) + 1);
    return this.cluster.report(this.nowMs(), running);
  }

  /** Applies the gateway's capacity if it changed; returns the shrink plan it carried out, if any. */
  applyCapacity(capacity: GpuCapacity): ShrinkPlan | undefined {
    const key = JSON.stringify(capacity);
    if (key === this.lastCapacityKey) return undefined;
    this.lastCapacityKey = key;
    this.restoreNodes(capacity);
    // A cordoned or draining node serves none of the plan's GPUs: the shrink keeps the nodes that take work.
    const serving = this.deps.nodes.filter((n) => !this.vacated.has(n.nodeId) && this.cluster.takesWork(n.nodeId));
    const plan = planCapacityShrink({
      nodes: serving.map((n) => ({ nodeId: n.nodeId, poolId: n.poolId, gpuCount: n.gpuCount })),
      running: [...this.running.values()].map((r) => ({
        jobId: r.job.jobId,
        attempt: r.job.attempt,
        tier: r.job.tier,
        nodeId: r.node.nodeId,
        outputTokensDone: 0,
      })),
      gpusServingByPool: capacity.gpusServingByPool,
      emergency: capacity.emergency,
    });
    // An emergency also stops the guaranteed work left draining on nodes an earlier shrink vacated or a cordon holds.
    const draining = capacity.emergency
      ? [...this.running.values()]
          .filter((r) => this.vacated.has(r.node.nodeId) || !this.cluster.takesWork(r.node.nodeId))
          .map((r) => r.job.jobId)
      : [];
    for (const nodeId of plan.vacateNodeIds) this.vacated.add(nodeId);
    const reason: PreemptionReason = capacity.emergency ? 'grid-emergency' : 'capacity';
    this.shrinkReason = reason;
    const stopped = [...plan.preempt.map((p) => p.jobId), ...draining]
      .map((jobId) => this.running.get(jobId)!)
      // Stable: flex before guaranteed, the plan's order within each.
      .sort((a, b) => tierRank(b.job) - tierRank(a.job));
    for (const run of stopped) {
      run.preemption = reason;
      run.abort.abort();
    }
    this.track(this.reportInOrder(stopped));
    this.returnUnservable(reason);
    if (plan.vacateNodeIds.length > 0) {
      this.log('capacity-shrink', { vacated: plan.vacateNodeIds, preempted: plan.preempt.map((p) => p.jobId) });
    }
    return plan;
  }

  view(): {
    pending: number;
    running: number;
    vacatedNodes: string[];
    unsentReports: number;
    runningByNode: Record<string, number>;
  } {
    const runningByNode: Record<string, number> = {};
    for (const run of this.running.values()) runningByNode[run.node.nodeId] = (runningByNode[run.node.nodeId] ?? 0) + 1;
    return {
      pending: this.pending.length,
      running: this.running.size,
      vacatedNodes: [...this.vacated].sort(),
      unsentReports: this.unsent.length,
      runningByNode,
    };
  }

  /** Stops taking work and waits for reports in hand to be sent; running jobs are left to the next start's replay. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.deps.queue.stop();
    await Promise.allSettled([...this.settling]);
    await this.flush();
  }

  private refuse<D extends Delivery>(delivery: D): D {
    this.log('delivery-refused', { ...delivery });
    return delivery;
  }

  private nowMs(): number {
    return this.deps.clock.nowMs();
  }

  private log(event: string, detail: Record<string, unknown>): void {
    this.deps.log?.(event, detail);
  }

  private track(promise: Promise<unknown>): void {
    this.settling.add(promise);
    void promise.finally(() => this.settling.delete(promise));
  }

  /** Grown capacity brings vacated nodes back, those with draining work first, until the plan's GPUs are covered. */
  private restoreNodes(capacity: GpuCapacity): void {
    const takesWork = (n: WorkerNode) => this.cluster.takesWork(n.nodeId);
    const servingGpus = (poolId: string) =>
      this.deps.nodes
        .filter((n) => n.poolId === poolId && !this.vacated.has(n.nodeId) && takesWork(n))
        .reduce((s, n) => s + n.gpuCount, 0);
    const busy = (nodeId: string) => [...this.running.values()].some((r) => r.node.nodeId === nodeId);
    // A cordoned node stays vacated: it comes back with the next growth after its uncordon.
    const candidates = this.deps.nodes
      .filter((n) => this.vacated.has(n.nodeId) && takesWork(n))
      .sort((a, b) => Number(busy(b.nodeId)) - Number(busy(a.nodeId)) || a.nodeId.localeCompare(b.nodeId));
    for (const node of candidates) {
      const target = capacity.gpusServingByPool[node.poolId] ?? 0;
      // Whole nodes, as a shrink keeps them: one comes back while the plan's GPUs are not all covered.
      if (servingGpus(node.poolId) < target) this.vacated.delete(node.nodeId);
    }
  }

  /** Pending jobs of a pool with no node serving go back to the cloud to be routed elsewhere or later. */
  private returnUnservable(reason: PreemptionReason): void {
    const servable = (job: SiteJob) => this.deps.nodes.some((n) => this.serves(n, job));
    const returned = this.pending.filter((j) => !servable(j)).sort(byPriority);
    for (const job of returned) {
      this.pending.splice(this.pending.indexOf(job), 1);
      this.end(job, undefined, this.nowMs(), { outcome: 'preempted', reason, checkpointOutputTokens: 0 });
    }
  }

  private expireDeadlines(): void {
    const nowMs = this.nowMs();
    for (const job of this.pending.filter((j) => Date.parse(j.deadline) < nowMs)) {
      this.pending.splice(this.pending.indexOf(job), 1);
      this.end(job, undefined, nowMs, { outcome: 'failed', reason: 'deadline passed before a GPU was free' });
    }
  }

  /** Starts pending jobs, guaranteed first then earliest deadline, each on the least busy serving node of its pool. */
  private schedule(): void {
    this.pending.sort(byPriority);
    for (const job of [...this.pending]) {
      const load = (n: WorkerNode) => [...this.running.values()].filter((r) => r.node.nodeId === n.nodeId).length;
      const node = this.deps.nodes
        .filter((n) => this.serves(n, job))
        .filter((n) => load(n) < n.maxConcurrentJobs)
        .sort((a, b) => load(a) - load(b) || a.nodeId.localeCompare(b.nodeId))[0];
      if (!node) continue;
      this.pending.splice(this.pending.indexOf(job), 1);
      this.startRun(job, node);
    }
  }

  /** A node takes a job of its pool and model while the plan keeps it and no cordon or drain holds it. */
  private serves(node: WorkerNode, job: SiteJob): boolean {
    return (
      node.poolId === job.poolId &&
      node.modelId === job.modelId &&
      !this.vacated.has(node.nodeId) &&
      this.cluster.takesWork(node.nodeId)
    );
  }

  /** A node started draining: its flex work goes back (guaranteed work finishes there). */
  private drain({ nodeId, by }: DrainStarted): void {
    const reason: PreemptionReason = by === 'health' ? 'node-unhealthy' : 'capacity';
    const stopped = [...this.running.values()].filter(
      (r) => r.node.nodeId === nodeId && r.job.tier === 'flex' && r.preemption === undefined,
    );
    for (const run of stopped) {
      run.preemption = reason;
      run.abort.abort();
    }
    this.track(this.reportInOrder(stopped));
    this.log('node-drain', { nodeId, by, preempted: stopped.map((r) => r.job.jobId) });
  }

  private sampleHealth(): Promise<void> {
    const port = this.deps.health!;
    this.healthSampling ??= (async () => {
      const atMs = this.nowMs();
      this.lastHealthMs = atMs;
      const readings = await Promise.all(this.deps.nodes.map((n) => port.readHealth(n.metricsUrl)));
      const samples = this.deps.nodes.flatMap((node, i) => {
        const gpus = readings[i];
        if (!gpus) return [];
        this.cluster.seen(node.nodeId, atMs);
        return [{ nodeId: node.nodeId, gpus }];
      });
      const { drains, changed } = this.cluster.applySamples(samples);
      if (changed) this.lastCapacityKey = '';
      for (const drain of drains) this.drain(drain);
      this.returnUnservable('node-unhealthy');
      this.schedule();
    })().finally(() => {
      this.healthSampling = undefined;
    });
    return this.healthSampling;
  }

  /** Sends the nodes' report when it changed (state, health) and at least every `inventoryReportMs`. */
  private reportInventory(): void {
    const sink = this.deps.inventoryReports;
    if (!sink) return;
    const report = this.inventory();
    const key = JSON.stringify(report.nodes.map(({ runningJobs: _r, lastSeenAt: _s, ...n }) => n));
    const nowMs = this.nowMs();
    if (key === this.lastInventoryKey && nowMs - this.lastInventoryMs < (this.deps.inventoryReportMs ?? 10_000)) return;
    this.lastInventoryKey = key;
    this.lastInventoryMs = nowMs;
    sink.publish(JSON.stringify(report)).catch((error: unknown) => {
      // QoS 0 and resent on the next change or interval: a lost report is replaced, never retried.
      this.lastInventoryKey = '';
      this.log('inventory-send-failed', { error: String(error) });
    });
  }

  private startRun(job: SiteJob, node: WorkerNode): void {
    const startMs = this.nowMs();
    const abort = new AbortController();
    const outcome = this.deps.inference.complete({
      baseUrl: node.inferenceUrl,
      modelId: job.modelId,
      prompt: job.prompt ?? syntheticPrompt(job.inputTokens),
      maxTokens: job.outputTokens,
      signal: abort.signal,
    });
    const run: Run = { job, node, startMs, abort, outcome };
    this.running.set(job.jobId, run);
    this.known.get(job.jobId)!.state = 'running';
    this.runsByNode.set(node.nodeId, [
      ...(this.runsByNode.get(node.nodeId) ?? []),
      { jobId: job.jobId, startMs, endMs: Number.POSITIVE_INFINITY },
    ]);
    this.track(outcome.then((result) => (run.preemption ? undefined : this.finish(run, result))));
  }

  /** Reports preempted runs in the order the shrink plan chose them (flex first), whatever order they stop in. */
  private async reportInOrder(runs: readonly Run[]): Promise<void> {
    for (const run of runs) this.finish(run, await run.outcome);
  }

  private finish(run: Run, result: InferenceOutcome): void {
    if (!this.running.has(run.job.jobId)) return;
    this.running.delete(run.job.jobId);
    const endMs = this.nowMs();
    const preemption = run.preemption;
    if (result.ok) {
      const { inputTokens, outputTokens } = result.value;
      this.end(run.job, run, endMs, { outcome: 'completed', inputTokens, outputTokens });
    } else if (result.failure.kind === 'aborted' && preemption !== undefined) {
      const checkpointOutputTokens = result.failure.checkpointOutputTokens;
      this.end(
        run.job,
        run,
        endMs,
        preemption === 'cancelled'
          ? { outcome: 'failed', reason: 'cancelled by the customer' }
          : { outcome: 'preempted', reason: preemption, checkpointOutputTokens },
      );
    } else {
      const f = result.failure;
      const detail = f.kind === 'server-error' ? `HTTP ${f.status}: ${f.detail}` : 'detail' in f ? f.detail : f.kind;
      this.end(run.job, run, endMs, { outcome: 'failed', reason: `inference ${f.kind}: ${detail}`.slice(0, 500) });
    }
    this.schedule();
  }

  /** Meters the attempt on its node, records the final report for replay and sends it. */
  private end(
    job: SiteJob,
    run: Run | undefined,
    endMs: number,
    outcome:
      | { outcome: 'completed'; inputTokens: number; outputTokens: number }
      | { outcome: 'preempted'; reason: PreemptionReason; checkpointOutputTokens: number }
      | { outcome: 'failed'; reason: string },
  ): void {
    const startMs = run?.startMs ?? endMs;
    const usage = run ? this.meter(run, endMs) : { gpuSeconds: 0, energyKwh: 0 };
    const report = {
      jobId: job.jobId,
      tenantId: job.tenantId,
      attempt: job.attempt,
      siteId: this.deps.siteId,
      poolId: job.poolId,
      nodeId: run?.node.nodeId ?? 'none',
      startedAt: new Date(startMs).toISOString(),
      endedAt: new Date(endMs).toISOString(),
      gpuSeconds: usage.gpuSeconds,
      energyKwh: usage.energyKwh,
      ...outcome,
    } as JobReport;
    const known = this.known.get(job.jobId);
    if (!known || known.attempt <= job.attempt)
      this.known.set(job.jobId, { attempt: job.attempt, state: 'ended', report });
    this.send(report);
  }

  /** The run's share of its node's GPU time and energy, against every run that shared the node meanwhile. */
  private meter(run: Run, endMs: number): { gpuSeconds: number; energyKwh: number } {
    const nodeId = run.node.nodeId;
    const runs = (this.runsByNode.get(nodeId) ?? []).map((r) =>
      r.jobId === run.job.jobId && r.endMs === Number.POSITIVE_INFINITY ? { ...r, endMs } : r,
    );
    this.runsByNode.set(nodeId, runs);
    const attribution = attributeNodeUsage({
      samples: this.samplesByNode.get(nodeId) ?? [],
      runs: runs.map((r) => ({ ...r, endMs: Math.min(r.endMs, endMs) })),
      gpuCount: run.node.gpuCount,
      fromMs: run.startMs,
      toMs: endMs,
    });
    this.prune(nodeId);
    return attribution.byJob.get(run.job.jobId) ?? { gpuSeconds: 0, energyKwh: 0 };
  }

  /** Keeps only runs and samples a running job may still need (plus the sample in force at its start). */
  private prune(nodeId: string): void {
    const runs = this.runsByNode.get(nodeId) ?? [];
    const open = runs.filter((r) => r.endMs === Number.POSITIVE_INFINITY);
    const horizonMs = Math.min(this.nowMs(), ...open.map((r) => r.startMs));
    this.runsByNode.set(
      nodeId,
      runs.filter((r) => r.endMs > horizonMs),
    );
    const samples = this.samplesByNode.get(nodeId) ?? [];
    const firstKept = Math.max(0, samples.findIndex((s) => s.atMs > horizonMs) - 1);
    if (firstKept > 0) this.samplesByNode.set(nodeId, samples.slice(firstKept));
  }

  private samplePower(): Promise<void> {
    this.sampling ??= (async () => {
      const atMs = this.nowMs();
      this.lastSampleMs = atMs;
      const readings = await Promise.all(this.deps.nodes.map((n) => this.deps.power.readPowerW(n.metricsUrl)));
      this.deps.nodes.forEach((node, i) => {
        const powerW = readings[i];
        if (powerW === undefined) return;
        this.cluster.seen(node.nodeId, atMs);
        const list = this.samplesByNode.get(node.nodeId) ?? [];
        list.push({ atMs, powerW });
        this.samplesByNode.set(node.nodeId, list);
      });
    })().finally(() => {
      this.sampling = undefined;
    });
    return this.sampling;
  }

  private send(report: JobReport): void {
    this.unsent.push(report);
    void this.flush();
  }

  /** Sends reports in the order they were made; one the sink refuses stays first in line for the next tick. */
  private flush(): Promise<void> {
    let failed = false;
    this.sending ??= (async () => {
      while (this.unsent.length > 0) {
        try {
          await this.deps.reports.publish(JSON.stringify(this.unsent[0]));
          this.unsent.shift();
        } catch (error) {
          failed = true;
          this.log('report-send-failed', { error: String(error), waiting: this.unsent.length });
          return;
        }
      }
    })().finally(() => {
      this.sending = undefined;
      // A report made after the loop's last check but before this line goes now rather than at the next tick.
      if (!failed && this.unsent.length > 0) void this.flush();
    });
    return this.sending;
  }
}
