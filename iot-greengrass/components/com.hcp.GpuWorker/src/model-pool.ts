import { catalogEntry, type ModelVersion } from '../../../../core/gpu/model-catalog.js';
import { tensorParallelToFit } from '../../../../core/gpu/models.js';
import type { GpuPool } from '../../../../core/model/site.js';
import type { ReplicaView } from '../../../../core/serving/node-agent.js';
import {
  type NodeReplicas,
  pickReplica,
  type ReplicaAction,
  reconcilePool,
  replicasForDemand,
} from '../../../../core/serving/pool-controller.js';
import { type WarmupCharge, warmupCharge } from '../../../../core/serving/warmup.js';
import type { Clock } from '../../../../core/support/clock.js';
import type {
  InferenceOutcome,
  InferencePort,
  InferenceRequest,
  NodeAgentPort,
} from '../../../adapters/inference/port.js';

/** Replicas a request may find gone (drained between the view and the request) before it fails with the 404. */
export const MAX_REPLICA_MISSES = 3;

/**
 * Whether a request found no replica of its model on the node (the engine answers 404: drained or unloaded between
 * the view it was placed from and its arrival). Nothing ran: it may go to another replica.
 */
export function replicaGone(outcome: InferenceOutcome): boolean {
  return !outcome.ok && outcome.failure.kind === 'server-error' && outcome.failure.status === 404;
}

/** A GPU node of the pool: its agent and its inference server answer on the same base URL. */
export interface PoolNode {
  readonly nodeId: string;
  readonly baseUrl: string;
  readonly gpuCount: number;
}

/** A replica's warm-up as booked against the plan interval it started in. */
export interface BookedWarmup extends WarmupCharge {
  readonly nodeId: string;
  readonly modelId: string;
  readonly version: string;
  readonly gpus: number;
  readonly startedAtMs: number;
  readonly planIntervalStartMs: number;
}

/** What one reconciliation asks of the pool: the version to serve and the demand to size it for. */
export interface PoolTarget {
  readonly modelId: string;
  readonly version: string;
  /** Output tokens/s the demand forecast expects over the next interval. */
  readonly forecastTokensPerSec: number;
  /** GPUs the plan has serving in this pool now. */
  readonly planGpus: number;
  readonly planIntervalStartMs: number;
  readonly priceUsdPerMwh: number;
  /** Requests for the model waiting elsewhere (the worker's queue), counted as demand beside those waiting here. */
  readonly waitingRequests?: number;
  /** Requests one replica takes at once: requests in hand beyond it ask for another replica. @default unbounded */
  readonly requestsPerReplica?: number;
}

export interface ModelPoolDeps {
  readonly nodes: readonly PoolNode[];
  readonly agent: NodeAgentPort;
  readonly inference: InferencePort;
  readonly catalog: readonly ModelVersion[];
  /** The pool's GPU model id in the hardware catalog (`nvidia-h100-sxm5`), and its site-model figures. */
  readonly gpuModel: string;
  readonly pool: Pick<GpuPool, 'idlePowerW' | 'servingPowerW' | 'memoryGb'>;
  readonly clock: Clock;
  /**
   * GPUs one replica takes (its tensor-parallel size), when more than the weights need: a whole node per replica
   * while a node runs one replica of a version. @default the smallest group the weights fit
   */
  readonly replicaGpus?: number;
}

/**
 * One GPU pool's model serving on the site: places the catalog's model versions on the nodes through their agents
 * (rolling upgrades, scaling with the forecast down to zero, core/serving/pool-controller.ts), books each warm-up
 * against the plan, and sends requests to warm replicas only. A request that finds none waits for one, and counts
 * as demand, so a pool scaled to zero comes back when work arrives.
 */
export class ModelPool {
  readonly warmups: BookedWarmup[] = [];
  private view: NodeReplicas[] = [];
  private readonly waiting = new Map<string, number>();
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly deps: ModelPoolDeps) {}

  /** Reads every node's replicas; a node that does not answer keeps its last view. */
  async observe(): Promise<readonly NodeReplicas[]> {
    const read = await Promise.all(this.deps.nodes.map((n) => this.deps.agent.replicas(n.baseUrl)));
    this.view = this.deps.nodes.map((n, i) => ({
      nodeId: n.nodeId,
      gpuCount: n.gpuCount,
      replicas: read[i] ?? this.view.find((v) => v.nodeId === n.nodeId)?.replicas ?? [],
    }));
    for (const wake of this.waiters.splice(0)) wake();
    return this.view;
  }

  /** One reconciliation step toward `target`: observe, decide, act; answers the actions taken. */
  async reconcile(target: PoolTarget): Promise<ReplicaAction[]> {
    const entry = catalogEntry(this.deps.catalog, target.modelId, target.version);
    const tokensPerSecPerGpu = entry?.tokensPerSecPerGpu[this.deps.gpuModel];
    const fit = entry
      ? tensorParallelToFit(
          { weightsGb: entry.gpuMemoryGb, activeParamsB: entry.activeParamsB },
          this.deps.pool.memoryGb,
        )
      : undefined;
    const gpusPerReplica = fit === undefined ? undefined : Math.max(fit, this.deps.replicaGpus ?? 0);
    if (!entry || tokensPerSecPerGpu === undefined || gpusPerReplica === undefined) {
      throw new Error(`${target.modelId} ${target.version} is not servable on ${this.deps.gpuModel} (model catalog)`);
    }
    const nodes = await this.observe();
    const targetReplicas = replicasForDemand({
      forecastTokensPerSec: target.forecastTokensPerSec,
      waitingRequests: (this.waiting.get(target.modelId) ?? 0) + (target.waitingRequests ?? 0),
      tokensPerSecPerReplica: tokensPerSecPerGpu * gpusPerReplica,
      planGpus: target.planGpus,
      gpusPerReplica,
      ...(target.requestsPerReplica ? { requestsPerReplica: target.requestsPerReplica } : {}),
    });
    const actions = reconcilePool({
      deployment: { modelId: target.modelId, version: target.version, gpusPerReplica },
      nodes,
      targetReplicas,
    });
    for (const action of actions) {
      const baseUrl = this.node(action.nodeId).baseUrl;
      if (action.kind === 'drain') {
        // No request is placed on it from now: the view says draining before the agent hears it.
        this.markDraining(action.nodeId, action);
        await this.deps.agent.drain(baseUrl, { modelId: action.modelId, version: action.version });
        continue;
      }
      const outcome = await this.deps.agent.load(baseUrl, {
        modelId: entry.modelId,
        version: entry.version,
        weightsUri: entry.weightsUri,
        engine: entry.engine,
        tensorParallelSize: gpusPerReplica,
        warmupSeconds: entry.warmupSeconds,
      });
      if (outcome.ok) {
        this.warmups.push({
          ...warmupCharge(this.deps.pool, gpusPerReplica, entry.warmupSeconds, target.priceUsdPerMwh),
          nodeId: action.nodeId,
          modelId: entry.modelId,
          version: entry.version,
          gpus: gpusPerReplica,
          startedAtMs: this.deps.clock.nowMs(),
          planIntervalStartMs: target.planIntervalStartMs,
        });
      }
    }
    if (actions.length > 0) await this.observe();
    return actions;
  }

  /**
   * Serves one request on a warm replica, waiting (and counting as demand) while none is; a replica that went away
   * between the view and the request (drained, unloaded) sends it to the next one, so no request is dropped. The
   * pool's own request path, for a caller without a scheduler; the GpuWorker places its jobs on nodes itself (its
   * queue, slots and metering) from `readyOn`, with the same gone-replica rule (`replicaGone`, MAX_REPLICA_MISSES).
   */
  async complete(request: Omit<InferenceRequest, 'baseUrl'>): Promise<InferenceOutcome> {
    let waited = false;
    let misses = 0;
    const count = (delta: number) =>
      this.waiting.set(request.modelId, (this.waiting.get(request.modelId) ?? 0) + delta);
    for (;;) {
      const picked = pickReplica(this.view, request.modelId);
      if (!picked) {
        if (!waited) count(1);
        waited = true;
        await this.nextView(request.signal);
        if (request.signal.aborted) {
          count(-1);
          return { ok: false, failure: { kind: 'aborted', checkpointOutputTokens: 0 } };
        }
        continue;
      }
      if (waited) count(-1);
      waited = false;
      const outcome = await this.deps.inference.complete({ ...request, baseUrl: this.node(picked.nodeId).baseUrl });
      if (!replicaGone(outcome) || ++misses > MAX_REPLICA_MISSES) return outcome;
      await this.observe();
    }
  }

  /** Requests for the model waiting for a warm replica: demand the next reconciliation sizes the pool for. */
  waitingRequests(modelId: string): number {
    return this.waiting.get(modelId) ?? 0;
  }

  /** Whether the node has a ready replica of the model at the last observation: where a request may go now. */
  readyOn(nodeId: string, modelId: string): boolean {
    return (
      this.view.find((n) => n.nodeId === nodeId)?.replicas.some((r) => r.modelId === modelId && r.state === 'ready') ??
      false
    );
  }

  /** Replicas seen at the last observation. */
  replicas(): readonly NodeReplicas[] {
    return this.view;
  }

  /**
   * Takes the node's replicas of the model (of one version, when given) out of service in the view until the next
   * observation: drained by this pool, or found gone by a request.
   */
  markDraining(nodeId: string, key: { readonly modelId: string; readonly version?: string }): void {
    const matches = (r: ReplicaView) =>
      r.modelId === key.modelId && (key.version === undefined || r.version === key.version);
    this.view = this.view.map((n) =>
      n.nodeId !== nodeId
        ? n
        : { ...n, replicas: n.replicas.map((r) => (matches(r) ? { ...r, state: 'draining' as const } : r)) },
    );
  }

  /** Resolves at the next observation, or when the request is aborted. */
  private nextView(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      signal.addEventListener('abort', () => resolve(), { once: true });
      this.waiters.push(resolve);
    });
  }

  private node(nodeId: string): PoolNode {
    return this.deps.nodes.find((n) => n.nodeId === nodeId)!;
  }
}
