import type { GpuPool } from '../../../../core/model/site.js';
import {
  countReplicas,
  type PoolDeploymentDesired,
  type PoolServingState,
  readDesiredDeployments,
} from '../../../../core/serving/deployment-shadow.js';
import type { Clock } from '../../../../core/support/clock.js';
import type { InferencePort, NodeAgentPort } from '../../../adapters/inference/port.js';
import type { NamedShadowPort } from '../../../adapters/messaging/named-shadow.js';
import type { WorkerNode } from './config.js';
import { ModelPool } from './model-pool.js';

/** The demand a pool is sized for: output tokens asked of it over this window, per second (a persistence forecast). */
export const DEMAND_WINDOW_MS = 5 * 60_000;
/** Plan intervals are 5 minutes: a warm-up is booked against the one it starts in. */
const PLAN_INTERVAL_MS = 5 * 60_000;

export interface ServedPool {
  readonly poolId: string;
  /** The pool's GPU in the hardware catalog (`nvidia-h100-sxm5`): the catalog's throughput key. */
  readonly gpuModel: string;
  readonly figures: Pick<GpuPool, 'idlePowerW' | 'servingPowerW' | 'memoryGb'>;
}

export interface PoolServingDeps {
  readonly nodes: readonly WorkerNode[];
  readonly pools: readonly ServedPool[];
  readonly agent: NodeAgentPort;
  readonly inference: InferencePort;
  readonly clock: Clock;
  /** The site-configuration shadow: desired deployments in, serving state out (core/serving/deployment-shadow.ts). */
  readonly shadow: NamedShadowPort;
  /** GPUs each node has for the agent to place replicas on. @default each node's `gpuCount` */
  readonly nodeGpus?: number;
  /** GPUs per replica when more than the weights need (ModelPool `replicaGpus`). */
  readonly replicaGpus?: number;
  readonly log: (event: string, detail: Record<string, unknown>) => void;
}

/** What the worker knows at a step: its queue and the plan's capacity, per pool. */
export interface ServingStep {
  readonly nowMs: number;
  /** Nodes the plan keeps serving, per pool: the replicas' ceiling. */
  readonly servingNodesByPool: Readonly<Record<string, number>>;
  /** Jobs in hand (waiting for a warm replica or running), per pool. */
  readonly waitingByPool: Readonly<Record<string, number>>;
  readonly priceUsdPerMwh: number;
}

/**
 * The site's model serving inside the GpuWorker: each pool with a deployment in the shadow gets a ModelPool driving
 * its nodes' agents (rolling upgrades, sizing from demand within the plan down to zero, warm-ups booked against the
 * plan), the worker's scheduler sends a job only to a node with a ready replica of its model (`readyOn`), and each
 * pool's state (version, replicas by state, warm-up energy and cost) goes back to the shadow's reported section.
 * Pools without a deployment are left as they were configured (the worker's node model, loaded outside).
 */
export class PoolServing {
  private readonly desired = new Map<string, PoolDeploymentDesired>();
  private readonly modelPools = new Map<string, { pool: ModelPool; entryKey: string }>();
  private readonly arrivals = new Map<string, Array<{ atMs: number; tokens: number }>>();
  private readonly inHand = new Map<string, Array<{ atMs: number; requests: number }>>();
  private lastReported = '';
  private reconciling: Promise<void> | undefined;

  private constructor(private readonly deps: PoolServingDeps) {}

  static async start(deps: PoolServingDeps): Promise<PoolServing> {
    const serving = new PoolServing(deps);
    deps.shadow.onDesired((desired) => serving.onDesired(desired));
    await deps.shadow.requestDesired();
    return serving;
  }

  /** Whether the pool runs on a deployment (its nodes' models come from it). */
  manages(poolId: string): boolean {
    return this.desired.has(poolId);
  }

  /** Whether a job for `modelId` may go to the node now: it has a ready replica of that model. */
  readyOn(node: WorkerNode, modelId: string): boolean {
    return this.modelPools.get(node.poolId)?.pool.readyOn(node.nodeId, modelId) ?? false;
  }

  /** A request found no replica of `modelId` on the node: no more are placed there until the pool looks again. */
  replicaGone(node: WorkerNode, modelId: string): void {
    this.modelPools.get(node.poolId)?.pool.markDraining(node.nodeId, { modelId });
  }

  /** The model a managed pool serves. */
  modelOf(poolId: string): string | undefined {
    return this.desired.get(poolId)?.entry.modelId;
  }

  /** A job asked of the pool: demand the next steps size it for. */
  recordDemand(poolId: string, outputTokens: number, atMs: number): void {
    const list = this.arrivals.get(poolId) ?? [];
    list.push({ atMs, tokens: outputTokens });
    this.arrivals.set(poolId, list);
  }

  /** One reconciliation of every managed pool (one at a time: a step still running is not started again). */
  step(step: ServingStep): Promise<void> {
    this.reconciling ??= this.reconcileAll(step).finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  /** Each managed pool's state as reported. */
  state(): Record<string, PoolServingState> {
    const reportedAt = new Date(this.deps.clock.nowMs()).toISOString();
    return Object.fromEntries(
      [...this.desired.values()].map((d) => {
        const pool = this.modelPools.get(d.poolId)?.pool;
        const replicas = (pool?.replicas() ?? []).flatMap((n) =>
          n.replicas.filter((r) => r.modelId === d.entry.modelId),
        );
        const warmups = pool?.warmups ?? [];
        return [
          d.poolId,
          {
            modelId: d.entry.modelId,
            version: d.entry.version,
            replicas: countReplicas(replicas),
            warmups: warmups.length,
            warmupEnergyKwh: warmups.reduce((s, w) => s + w.energyKwh, 0),
            warmupCostUsd: warmups.reduce((s, w) => s + w.costUsd, 0),
            reportedAt,
          },
        ];
      }),
    );
  }

  private onDesired(desired: unknown): void {
    const { deployments, refused } = readDesiredDeployments(desired);
    for (const r of refused) this.deps.log('deployment-refused', r);
    for (const d of deployments) {
      if (!this.deps.pools.some((p) => p.poolId === d.poolId)) {
        this.deps.log('deployment-refused', { poolId: d.poolId, field: 'poolId', message: 'no node of this pool' });
        continue;
      }
      const before = this.desired.get(d.poolId);
      if (before && before.updatedAt >= d.updatedAt) continue;
      this.desired.set(d.poolId, d);
      this.deps.log('deployment-desired', { poolId: d.poolId, modelId: d.entry.modelId, version: d.entry.version });
    }
  }

  private async reconcileAll(step: ServingStep): Promise<void> {
    for (const desired of this.desired.values()) {
      const pool = this.poolFor(desired);
      const windowStartMs = step.nowMs - DEMAND_WINDOW_MS;
      const recent = (this.arrivals.get(desired.poolId) ?? []).filter((a) => a.atMs > windowStartMs);
      this.arrivals.set(desired.poolId, recent);
      const tokens = recent.reduce((s, a) => s + a.tokens, 0);
      // The most requests in hand over the window: a pool shrinks only after a window of less work, so a queue
      // that empties and fills again does not drain and re-warm a replica each time.
      const held = [
        ...(this.inHand.get(desired.poolId) ?? []).filter((h) => h.atMs > windowStartMs),
        { atMs: step.nowMs, requests: step.waitingByPool[desired.poolId] ?? 0 },
      ];
      this.inHand.set(desired.poolId, held);
      try {
        await pool.reconcile({
          modelId: desired.entry.modelId,
          version: desired.entry.version,
          forecastTokensPerSec: tokens / (DEMAND_WINDOW_MS / 1000),
          planGpus: (step.servingNodesByPool[desired.poolId] ?? 0) * this.nodeGpus(desired.poolId),
          planIntervalStartMs: Math.floor(step.nowMs / PLAN_INTERVAL_MS) * PLAN_INTERVAL_MS,
          priceUsdPerMwh: step.priceUsdPerMwh,
          waitingRequests: Math.max(...held.map((h) => h.requests)),
          requestsPerReplica: this.slotsPerNode(desired.poolId),
        });
      } catch (error) {
        this.deps.log('deployment-reconcile-failed', { poolId: desired.poolId, error: String(error) });
      }
    }
    await this.report();
  }

  /** The pool's ModelPool, new when the deployment's catalog entry changed (a new version keeps the nodes' replicas). */
  private poolFor(desired: PoolDeploymentDesired): ModelPool {
    const entryKey = JSON.stringify(desired.entry);
    const held = this.modelPools.get(desired.poolId);
    if (held && held.entryKey === entryKey) return held.pool;
    const served = this.deps.pools.find((p) => p.poolId === desired.poolId)!;
    const pool = new ModelPool({
      nodes: this.deps.nodes
        .filter((n) => n.poolId === desired.poolId)
        .map((n) => ({ nodeId: n.nodeId, baseUrl: n.inferenceUrl, gpuCount: this.deps.nodeGpus ?? n.gpuCount })),
      agent: this.deps.agent,
      inference: this.deps.inference,
      catalog: [desired.entry],
      gpuModel: served.gpuModel,
      pool: served.figures,
      clock: this.deps.clock,
      ...(this.deps.replicaGpus ? { replicaGpus: this.deps.replicaGpus } : {}),
    });
    // The warm-ups booked so far stay the pool's: they were charged, whatever version follows.
    if (held) pool.warmups.push(...held.pool.warmups);
    this.modelPools.set(desired.poolId, { pool, entryKey });
    return pool;
  }

  /** Jobs the worker runs at once on a node of the pool: a replica holds a node, so its batch. */
  private slotsPerNode(poolId: string): number {
    return this.deps.nodes.find((n) => n.poolId === poolId)?.maxConcurrentJobs ?? 1;
  }

  private nodeGpus(poolId: string): number {
    return this.deps.nodeGpus ?? this.deps.nodes.find((n) => n.poolId === poolId)?.gpuCount ?? 0;
  }

  /** Sends the state when a replica, a version or a booking changed (not for the time stamp alone). */
  private async report(): Promise<void> {
    const state = this.state();
    const key = JSON.stringify(Object.values(state).map(({ reportedAt: _at, ...rest }) => rest));
    if (key === this.lastReported) return;
    try {
      await this.deps.shadow.report({ deployments: state });
      this.lastReported = key;
    } catch (error) {
      this.deps.log('deployment-report-failed', { error: String(error) });
    }
  }
}
