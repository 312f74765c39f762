import type { GpuNodeReport } from '../../../../core/gpu/node-messages.js';
import type { ShrinkPlan } from '../../../../core/routing/preemption.js';
import type { PreemptionReason } from '../../../../core/routing/requeue.js';
import type { SiteJob } from '../../../../core/routing/site-messages.js';
import type { Clock } from '../../../../core/support/clock.js';
import type {
  InferenceOutcome,
  InferencePort,
  JobQueuePort,
  NodeHealthPort,
  NodePowerPort,
  ReportSink,
} from '../../../adapters/inference/port.js';
import { drainStops, NodeCapacity } from './capacity.js';
import type { WorkerNode } from './config.js';
import type { GpuCapacity } from './gateway-capacity.js';
import { readNodeHealth } from './health.js';
import { InventoryReporter } from './inventory.js';
import { type CancelResult, type Delivery, JobLedger, parseJob } from './job-ledger.js';
import { NO_USAGE, NodeMeter, readNodePower } from './metering.js';
import { MAX_REPLICA_MISSES, replicaGone } from './model-pool.js';
import { type DrainStarted, type NodeCommandResult, NodeManager } from './node-manager.js';
import { PeriodicRead } from './periodic-read.js';
import type { PoolServing } from './pool-serving.js';
import { ReportOutbox } from './report-outbox.js';
import { CANCELLED, jobReport, type Run, type RunEnding, RunningJobs, runEnding, stopRuns } from './runs.js';
import { PendingJobs } from './scheduler.js';

export type { CancelResult, Delivery } from './job-ledger.js';
export { syntheticPrompt } from './runs.js';

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
  /** The pools' model deployments (PoolServing); without it each node serves the model it was configured with. */
  readonly serving?: PoolServing;
  /** How often the deployments are reconciled against the nodes' agents. @default 2000 */
  readonly servingStepMs?: number;
  /** The site's energy price as last heard, what a warm-up is charged at. @default 0 */
  readonly priceUsdPerMwh?: () => number;
}

/**
 * com.hcp.GpuWorker: takes the site's jobs from its queue, runs them on the GPU nodes through the inference port,
 * meters each attempt (GPU time and energy from node power, split across concurrent jobs) and reports how it ended.
 * When the gateway shrinks GPU capacity it vacates nodes and preempts flex work first; guaranteed work is preempted
 * only in a grid emergency, else it finishes on its vacated node (drain). Operators cordon and drain single nodes, and
 * the nodes' health (DCGM) cordons or drains them too (NodeManager); no new work lands on such a node. Every report is
 * keyed by job id + attempt and re-sent until the sink takes it, so the cloud may see one twice but never loses one.
 *
 * The decisions live beside this file, one job each: the job ledger (delivery and replay), the scheduler (order and
 * placement), capacity and drain, runs (how an attempt ends), metering, the report outbox, health and inventory. This
 * class feeds them the ports and the clock and carries out what they decide.
 */
export class GpuWorker {
  private readonly ledger = new JobLedger();
  private readonly pending = new PendingJobs();
  private readonly running = new RunningJobs();
  private readonly capacity = new NodeCapacity();
  private readonly meter = new NodeMeter();
  private readonly outbox: ReportOutbox;
  private readonly inventoryReporter: InventoryReporter | undefined;
  private readonly cluster: NodeManager;
  private readonly powerReads: PeriodicRead;
  private readonly healthReads: PeriodicRead;
  private readonly servingSteps: PeriodicRead;
  /** Gone replicas each queued job has met (requeueOnGoneReplica). */
  private readonly replicaMisses = new Map<string, number>();
  private readonly settling = new Set<Promise<unknown>>();
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly deps: GpuWorkerDeps) {
    this.cluster = new NodeManager(deps.siteId, deps.nodes, deps.maxCommandAgeMs ?? 600_000);
    const log = (event: string, detail: Record<string, unknown>) => this.log(event, detail);
    this.outbox = new ReportOutbox(deps.reports, log);
    this.inventoryReporter = deps.inventoryReports
      ? new InventoryReporter(deps.inventoryReports, deps.inventoryReportMs ?? 10_000, log)
      : undefined;
    this.powerReads = new PeriodicRead(deps.powerSampleMs);
    this.healthReads = new PeriodicRead(deps.healthSampleMs ?? 5000);
    this.servingSteps = new PeriodicRead(deps.servingStepMs ?? 2000);
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
    const parsed = parseJob(payload);
    if (!parsed.ok) return this.refuse({ kind: 'malformed-job', issues: parsed.issues });
    const { job } = parsed;
    const admission = this.ledger.admit(job);
    if (admission.kind === 'stale') {
      return this.refuse({ kind: 'stale-attempt', jobId: job.jobId, attempt: job.attempt, current: admission.current });
    }
    if (admission.kind === 'duplicate') {
      if (admission.report) this.outbox.send(admission.report);
      return { kind: 'duplicate', jobId: job.jobId, attempt: job.attempt, replayed: admission.report !== undefined };
    }
    if (!this.deps.nodes.some((n) => n.poolId === job.poolId)) {
      this.end(job, undefined, { outcome: 'failed', reason: `pool ${job.poolId} has no node at this site` });
      return this.refuse({ kind: 'unknown-pool', jobId: job.jobId, poolId: job.poolId });
    }
    this.ledger.waiting(job);
    this.deps.serving?.recordDemand(job.poolId, job.outputTokens, this.nowMs());
    this.pending.add(job);
    this.schedule();
    return { kind: 'accepted', jobId: job.jobId, attempt: job.attempt };
  }

  /** A customer's cancellation: a pending job ends failed, a running one is stopped. */
  cancel(jobId: string): CancelResult {
    const state = this.ledger.state(jobId);
    if (!state) return { ok: false, error: 'unknown-job' };
    if (state === 'ended') return { ok: false, error: 'already-ended' };
    const run = this.running.get(jobId);
    if (run) {
      this.preempt([run], 'cancelled');
      return { ok: true };
    }
    this.end(this.pending.remove(jobId)!, undefined, CANCELLED);
    return { ok: true };
  }

  /** Capacity, deadlines, scheduling, power samples and report retries, as of the clock. */
  async tick(): Promise<void> {
    this.applyCapacity(this.deps.capacity(this.nowMs()));
    // Work routed before the cloud learnt of a shrink may arrive after it: back it goes, not to wait here.
    this.returnUnservable(this.capacity.shrinkReason);
    const nowMs = this.nowMs();
    for (const job of this.pending.takeWhere((j) => Date.parse(j.deadline) < nowMs)) {
      this.end(job, undefined, { outcome: 'failed', reason: 'deadline passed before a GPU was free' });
    }
    this.schedule();
    if (this.powerReads.due(this.nowMs())) await this.samplePower();
    if (this.deps.health && this.healthReads.due(this.nowMs())) await this.sampleHealth(this.deps.health);
    if (this.deps.serving && this.servingSteps.due(this.nowMs())) await this.stepServing(this.deps.serving);
    this.reportInventory();
    await this.outbox.flush();
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
    this.capacity.refit();
    if (drain) this.drain(drain);
    this.returnUnservable('capacity');
    this.schedule();
    this.reportInventory();
    return result;
  }

  /** The pools' model deployments, when the worker runs on them. */
  serving(): PoolServing | undefined {
    return this.deps.serving;
  }

  /** The nodes' inventory, scheduling state and health as the `gpu-nodes` report carries them. */
  inventory(): GpuNodeReport {
    return this.cluster.report(this.nowMs(), this.running.countByNode());
  }

  /** Applies the gateway's capacity if it changed; returns the shrink plan it carried out, if any. */
  applyCapacity(capacity: GpuCapacity): ShrinkPlan | undefined {
    const fit = this.capacity.apply(
      capacity,
      this.deps.nodes,
      (nodeId) => this.cluster.takesWork(nodeId),
      this.running.all(),
    );
    if (!fit) return undefined;
    this.preempt(
      fit.stopJobIds.map((jobId) => this.running.get(jobId)!),
      fit.reason,
    );
    this.returnUnservable(fit.reason);
    if (fit.plan.vacateNodeIds.length > 0) {
      this.log('capacity-shrink', { vacated: fit.plan.vacateNodeIds, preempted: fit.plan.preempt.map((p) => p.jobId) });
    }
    return fit.plan;
  }

  view(): {
    pending: number;
    running: number;
    vacatedNodes: string[];
    unsentReports: number;
    runningByNode: Record<string, number>;
  } {
    return {
      pending: this.pending.size,
      running: this.running.size,
      vacatedNodes: this.capacity.vacatedNodeIds(),
      unsentReports: this.outbox.waiting,
      runningByNode: Object.fromEntries(this.running.countByNode()),
    };
  }

  /** Stops taking work and waits for reports in hand to be sent; running jobs are left to the next start's replay. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.deps.queue.stop();
    await Promise.allSettled([...this.settling]);
    await this.outbox.flush();
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

  /**
   * A node takes a job of its pool and model while capacity keeps it and no cordon or drain holds it; in a pool on a
   * deployment, only when a replica of the model is ready on it (warm replicas only).
   */
  private serves(node: WorkerNode, job: SiteJob): boolean {
    return (
      this.mayServe(node, job) &&
      (!this.deps.serving?.manages(node.poolId) || this.deps.serving.readyOn(node, job.modelId))
    );
  }

  /** Whether the node could take the job once warm: the model its pool serves, kept by capacity and the cluster. */
  private mayServe(node: WorkerNode, job: SiteJob): boolean {
    const model = this.deps.serving?.modelOf(node.poolId) ?? node.modelId;
    return (
      node.poolId === job.poolId &&
      model === job.modelId &&
      !this.capacity.isVacated(node.nodeId) &&
      this.cluster.takesWork(node.nodeId)
    );
  }

  /**
   * Pending jobs of a pool with no node serving go back to the cloud to be routed elsewhere or later. A pool on a
   * deployment keeps its jobs while a replica warms: they are the demand that brings it back from zero.
   */
  private returnUnservable(reason: PreemptionReason): void {
    const servable = (job: SiteJob) => this.deps.nodes.some((n) => this.mayServe(n, job));
    for (const job of this.pending.takeWhere((j) => !servable(j))) {
      this.end(job, undefined, { outcome: 'preempted', reason, checkpointOutputTokens: 0 });
    }
  }

  /** Starts the pending jobs the scheduler places; a guaranteed job that finds its replicas full takes a flex slot. */
  private schedule(): void {
    this.startPlaced();
    this.overtakeFlex();
  }

  /**
   * Guaranteed work waiting while every ready replica of its model is full: one flex run per such job is preempted
   * (reason `priority`) and handed back to the cloud with the tokens it kept, and the guaranteed job starts in its
   * slot when it ends (the pending queue runs guaranteed first). Inside the engine the same order holds by vLLM's
   * per-request priority (core/serving/tiers.ts), which each request carries.
   */
  private overtakeFlex(): void {
    const guaranteed = this.pending.list().filter((j) => j.tier === 'guaranteed');
    if (guaranteed.length === 0) return;
    const runs = this.running.all();
    let freeing = runs.filter((r) => r.preemption === 'priority').length;
    const victims: Run[] = [];
    for (const job of guaranteed) {
      if (freeing > 0) {
        freeing--;
        continue;
      }
      const victim = runs.find(
        (r) => r.preemption === undefined && r.job.tier === 'flex' && !victims.includes(r) && this.serves(r.node, job),
      );
      if (victim) victims.push(victim);
    }
    if (victims.length === 0) return;
    this.log('priority-preemption', {
      preempted: victims.map((r) => r.job.jobId),
      nodes: victims.map((r) => r.nodeId),
    });
    this.preempt(victims, 'priority');
  }

  private startPlaced(): void {
    const placements = this.pending.place(
      this.deps.nodes,
      (node, job) => this.serves(node, job),
      (nodeId) => this.running.runningOn(nodeId),
    );
    for (const { job, node } of placements) {
      const run = this.running.start(job, node, this.nowMs(), this.deps.inference);
      this.ledger.running(job.jobId);
      this.meter.open(node.nodeId, job.jobId, run.startMs);
      this.track(run.outcome.then((result) => (run.preemption ? undefined : this.finish(run, result))));
    }
  }

  private drain(drain: DrainStarted): void {
    const { reason, stopJobIds } = drainStops(drain, this.running.all());
    this.preempt(
      stopJobIds.map((jobId) => this.running.get(jobId)!),
      reason,
    );
    this.log('node-drain', { nodeId: drain.nodeId, by: drain.by, preempted: stopJobIds });
  }

  /** Stops the runs and reports them in the order given (flex first), whatever order they stop in. */
  private preempt(runs: readonly Run[], reason: PreemptionReason | 'cancelled'): void {
    stopRuns(runs, reason);
    this.track(
      (async () => {
        for (const run of runs) this.finish(run, await run.outcome);
      })(),
    );
  }

  private finish(run: Run, result: InferenceOutcome): void {
    if (!this.running.end(run)) return;
    if (!this.requeueOnGoneReplica(run, result)) this.end(run.job, run, runEnding(result, run.preemption));
    this.schedule();
  }

  /**
   * A request placed from the pool's view that found its replica gone (drained between the view and its arrival:
   * the engine answers 404, nothing ran) waits for another ready replica, up to MAX_REPLICA_MISSES times; the node
   * takes no more of the model until the pool looks again. Answers whether the job went back to the queue.
   */
  private requeueOnGoneReplica(run: Run, result: InferenceOutcome): boolean {
    const serving = this.deps.serving;
    if (!serving?.manages(run.node.poolId) || !replicaGone(result)) return false;
    const misses = (this.replicaMisses.get(run.job.jobId) ?? 0) + 1;
    if (misses > MAX_REPLICA_MISSES) return false;
    this.replicaMisses.set(run.job.jobId, misses);
    serving.replicaGone(run.node, run.job.modelId);
    this.meter.close(
      { nodeId: run.nodeId, jobId: run.job.jobId, gpuCount: run.node.gpuCount, startMs: run.startMs },
      this.nowMs(),
    );
    this.log('replica-gone', { jobId: run.job.jobId, nodeId: run.nodeId, misses });
    this.ledger.waiting(run.job);
    this.pending.add(run.job);
    return true;
  }

  /** Meters the attempt on its node, records the final report for replay and sends it. */
  private end(job: SiteJob, run: Run | undefined, ending: RunEnding): void {
    const endMs = this.nowMs();
    const usage = run
      ? this.meter.close(
          { nodeId: run.nodeId, jobId: job.jobId, gpuCount: run.node.gpuCount, startMs: run.startMs },
          endMs,
        )
      : NO_USAGE;
    const report = jobReport({
      siteId: this.deps.siteId,
      job,
      ...(run ? { nodeId: run.nodeId } : {}),
      startMs: run?.startMs ?? endMs,
      endMs,
      usage,
      ending,
    });
    this.replicaMisses.delete(job.jobId);
    this.ledger.ended(job, report);
    this.outbox.send(report);
  }

  private samplePower(): Promise<void> {
    return this.powerReads.run(this.deps.clock, async (atMs) => {
      for (const { nodeId, powerW } of await readNodePower(this.deps.nodes, this.deps.power)) {
        this.cluster.seen(nodeId, atMs);
        this.meter.record(nodeId, { atMs, powerW });
      }
    });
  }

  /** Health drains or cordons nodes (NodeManager): their flex work goes back, the rest is fitted again. */
  private sampleHealth(port: NodeHealthPort): Promise<void> {
    return this.healthReads.run(this.deps.clock, async (atMs) => {
      const samples = await readNodeHealth(this.deps.nodes, port);
      for (const { nodeId } of samples) this.cluster.seen(nodeId, atMs);
      const { drains, changed } = this.cluster.applySamples(samples);
      if (changed) this.capacity.refit();
      for (const drain of drains) this.drain(drain);
      this.returnUnservable('node-unhealthy');
      this.schedule();
    });
  }

  /** Reconciles the deployments with what the plan keeps serving and what waits, then places what became warm. */
  private stepServing(serving: PoolServing): Promise<void> {
    return this.servingSteps.run(this.deps.clock, async (atMs) => {
      const capacity = this.deps.capacity(atMs);
      const servingNodesByPool: Record<string, number> = {};
      for (const node of this.deps.nodes) {
        const kept = (capacity.gpusServingByPool[node.poolId] ?? 0) > 0 && !this.capacity.isVacated(node.nodeId);
        if (kept && this.cluster.takesWork(node.nodeId)) {
          servingNodesByPool[node.poolId] = (servingNodesByPool[node.poolId] ?? 0) + 1;
        }
      }
      const waitingByPool: Record<string, number> = {};
      for (const job of this.pending.list()) waitingByPool[job.poolId] = (waitingByPool[job.poolId] ?? 0) + 1;
      for (const run of this.running.all()) waitingByPool[run.job.poolId] = (waitingByPool[run.job.poolId] ?? 0) + 1;
      await serving.step({
        nowMs: atMs,
        servingNodesByPool,
        waitingByPool,
        priceUsdPerMwh: this.deps.priceUsdPerMwh?.() ?? 0,
      });
      this.schedule();
    });
  }

  private reportInventory(): void {
    this.inventoryReporter?.offer(this.inventory(), this.nowMs());
  }
}
