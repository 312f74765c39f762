import type { ReplicaView } from './node-agent.js';

/** A model placed on a pool: the version to serve and what one replica takes. */
export interface PoolDeployment {
  readonly modelId: string;
  readonly version: string;
  readonly gpusPerReplica: number;
}

export interface NodeReplicas {
  readonly nodeId: string;
  readonly gpuCount: number;
  readonly replicas: readonly ReplicaView[];
}

export type ReplicaAction =
  | { readonly kind: 'load'; readonly nodeId: string; readonly modelId: string; readonly version: string }
  | { readonly kind: 'drain'; readonly nodeId: string; readonly modelId: string; readonly version: string };

interface Placed {
  readonly nodeId: string;
  readonly replica: ReplicaView;
}

/**
 * Replicas a pool should run for a demand: enough replicas to serve the forecast (tokens/s) and the requests in
 * hand (waiting or running, `requestsPerReplica` each: the engine's batch the worker fills) within the pool's GPUs in
 * the plan; none when there is neither (scale to zero), at least one when there is any.
 */
export function replicasForDemand(input: {
  readonly forecastTokensPerSec: number;
  readonly waitingRequests: number;
  readonly tokensPerSecPerReplica: number;
  readonly planGpus: number;
  readonly gpusPerReplica: number;
  /** @default unbounded: requests in hand ask for one replica at least, no more */
  readonly requestsPerReplica?: number;
}): number {
  const most = Math.floor(input.planGpus / input.gpusPerReplica);
  if (most === 0 || (input.forecastTokensPerSec <= 0 && input.waitingRequests === 0)) return 0;
  const forTokens = Math.ceil(Math.max(0, input.forecastTokensPerSec) / input.tokensPerSecPerReplica);
  const forRequests = input.requestsPerReplica ? Math.ceil(input.waitingRequests / input.requestsPerReplica) : 1;
  return Math.min(most, Math.max(1, forTokens, forRequests));
}

const byNodeThenGpu = (a: Placed, b: Placed) =>
  a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : (a.replica.gpuIndexes[0] ?? 0) - (b.replica.gpuIndexes[0] ?? 0);
const isWarm = (p: Placed) => p.replica.state === 'ready';
const busy = (p: Placed) => p.replica.runningRequests + p.replica.waitingRequests;

/**
 * One reconciliation step of a model on a pool, from what the node agents report. Rolling: a new version starts on
 * free GPUs (at most `maxSurge` warming at a time) and an old replica drains only once a ready new one takes its
 * place, so the pool never serves fewer ready replicas than it had while a GPU is free; when none is, one old
 * replica drains first to make room (one fewer ready replica for a warm-up). Scaling: replicas start on free GPUs up to `targetReplicas`, and the surplus drains,
 * warming ones first (they serve nothing yet), then the least busy. Draining replicas are left to finish.
 */
export function reconcilePool(input: {
  readonly deployment: PoolDeployment;
  readonly nodes: readonly NodeReplicas[];
  readonly targetReplicas: number;
  readonly maxSurge?: number;
}): ReplicaAction[] {
  const { deployment, targetReplicas } = input;
  const maxSurge = input.maxSurge ?? 1;
  const placed: Placed[] = input.nodes
    .flatMap((n) => n.replicas.map((replica) => ({ nodeId: n.nodeId, replica })))
    .filter((p) => p.replica.modelId === deployment.modelId && p.replica.state !== 'draining')
    .sort(byNodeThenGpu);
  const current = placed.filter((p) => p.replica.version === deployment.version);
  const old = placed.filter((p) => p.replica.version !== deployment.version);
  const free = freeSlots(input.nodes, deployment);
  const actions: ReplicaAction[] = [];
  const load = (nodeId: string) => actions.push({ kind: 'load', nodeId, ...key(deployment) });
  const drain = (p: Placed) => actions.push({ kind: 'drain', nodeId: p.nodeId, ...key(p.replica) });

  const currentWarming = current.filter((p) => !isWarm(p)).length;
  const currentReady = current.length - currentWarming;
  if (old.length > 0) {
    const oldReady = old.filter(isWarm);
    // Old replicas a ready new one replaces, and old ones that never became ready (nothing is lost draining them).
    const surplus = Math.max(0, currentReady + oldReady.length - Math.max(targetReplicas, currentReady));
    const drainOrder = [...old.filter((p) => !isWarm(p)), ...oldReady.sort((a, b) => busy(a) - busy(b))];
    const toDrain = drainOrder.slice(0, Math.max(surplus, old.length - oldReady.length));
    toDrain.forEach(drain);
    const wanted = Math.max(targetReplicas, 1) - current.length;
    const starts = Math.min(wanted, maxSurge - currentWarming, free.length);
    free.slice(0, Math.max(0, starts)).forEach(load);
    const stalled = toDrain.length === 0 && wanted > 0 && currentWarming === 0 && free.length === 0;
    const left = oldReady.filter((p) => !toDrain.includes(p));
    // No GPU free and nothing warming: one old replica makes room. With one replica slot in the whole pool that is
    // a warm-up's gap in service (requests wait at the pool, none is dropped); any spare GPU avoids it.
    if (stalled && left.length > 0) drain(left[0]!);
    return actions;
  }
  if (current.length < targetReplicas) {
    free.slice(0, targetReplicas - current.length).forEach(load);
  } else if (current.length > targetReplicas) {
    const order = [...current.filter((p) => !isWarm(p)), ...current.filter(isWarm).sort((a, b) => busy(a) - busy(b))];
    order.slice(0, current.length - targetReplicas).forEach(drain);
  }
  return actions;
}

/**
 * Node ids with room for a replica of the deployment, in node order. A node runs at most one replica of a version
 * (the agent addresses a replica by model and version: one engine process each), so replicas spread across nodes.
 */
function freeSlots(nodes: readonly NodeReplicas[], deployment: PoolDeployment): string[] {
  return [...nodes]
    .sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1))
    .filter((n) => {
      const held = n.replicas.reduce((sum, r) => sum + r.gpuIndexes.length, 0);
      const holds = n.replicas.some((r) => r.modelId === deployment.modelId && r.version === deployment.version);
      return !holds && n.gpuCount - held >= deployment.gpusPerReplica;
    })
    .map((n) => n.nodeId);
}

function key(r: { readonly modelId: string; readonly version: string }) {
  return { modelId: r.modelId, version: r.version };
}

/**
 * The replica a request for `modelId` goes to: ready replicas only, never a draining one; the least loaded first,
 * then node order. Undefined when none is warm (the caller queues it, or asks for a scale-up).
 */
export function pickReplica(
  nodes: readonly NodeReplicas[],
  modelId: string,
): { nodeId: string; replica: ReplicaView } | undefined {
  return nodes
    .flatMap((n) => n.replicas.map((replica) => ({ nodeId: n.nodeId, replica })))
    .filter((p) => p.replica.modelId === modelId && p.replica.state === 'ready')
    .sort((a, b) => busy(a) - busy(b) || byNodeThenGpu(a, b))[0];
}
