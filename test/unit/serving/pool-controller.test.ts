import fc from 'fast-check';
import type { ReplicaState, ReplicaView } from '../../../core/serving/node-agent.js';
import {
  type NodeReplicas,
  pickReplica,
  type ReplicaAction,
  reconcilePool,
  replicasForDemand,
} from '../../../core/serving/pool-controller.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const deployment = (version: string) => ({ modelId: MODEL, version, gpusPerReplica: 1 });

function replica(version: string, state: ReplicaState, gpu: number, busy = 0): ReplicaView {
  return {
    modelId: MODEL,
    version,
    state,
    gpuIndexes: [gpu],
    startedAtMs: 0,
    readyAtMs: 60_000,
    runningRequests: busy,
    waitingRequests: 0,
  };
}

const node = (nodeId: string, gpuCount: number, ...replicas: ReplicaView[]): NodeReplicas => ({
  nodeId,
  gpuCount,
  replicas,
});

/** What the agents would report after the actions, with every started replica ready and every drained one gone. */
function applyAndWarm(nodes: readonly NodeReplicas[], actions: readonly ReplicaAction[]): NodeReplicas[] {
  return nodes.map((n) => {
    const kept = n.replicas.filter(
      (r) => !actions.some((a) => a.kind === 'drain' && a.nodeId === n.nodeId && a.version === r.version),
    );
    const used = new Set(kept.flatMap((r) => r.gpuIndexes));
    const added = actions
      .filter((a) => a.kind === 'load' && a.nodeId === n.nodeId)
      .map((a) => {
        const gpu = [...Array(n.gpuCount).keys()].find((g) => !used.has(g))!;
        used.add(gpu);
        return replica(a.version, 'ready', gpu);
      });
    return { ...n, replicas: [...kept, ...added].map((r) => ({ ...r, state: 'ready' as const })) };
  });
}

const ready = (nodes: readonly NodeReplicas[]) =>
  nodes.flatMap((n) => n.replicas).filter((r) => r.state === 'ready').length;

describe('pool controller', () => {
  it('sizes a pool for the forecast within the plan, down to zero when idle and to one when work waits', () => {
    // Prepare
    const base = { tokensPerSecPerReplica: 6000, planGpus: 4, gpusPerReplica: 1 };
    // Act + Assess
    expect(replicasForDemand({ ...base, forecastTokensPerSec: 0, waitingRequests: 0 })).toBe(0);
    expect(replicasForDemand({ ...base, forecastTokensPerSec: 0, waitingRequests: 3 })).toBe(1);
    expect(replicasForDemand({ ...base, forecastTokensPerSec: 13_000, waitingRequests: 0 })).toBe(3);
    expect(replicasForDemand({ ...base, forecastTokensPerSec: 1e6, waitingRequests: 0 })).toBe(4);
    expect(replicasForDemand({ ...base, planGpus: 0, forecastTokensPerSec: 1e6, waitingRequests: 9 })).toBe(0);
  });

  it('starts the new version beside the old and drains an old replica only once a new one is ready', () => {
    // Prepare: v1 on two nodes with a free GPU each.
    const nodes = [node('n1', 2, replica('v1', 'ready', 0)), node('n2', 2, replica('v1', 'ready', 0))];

    // Act
    const first = reconcilePool({ deployment: deployment('v2'), nodes, targetReplicas: 2 });
    const warming = reconcilePool({
      deployment: deployment('v2'),
      nodes: [{ ...nodes[0]!, replicas: [...nodes[0]!.replicas, replica('v2', 'warming', 1)] }, nodes[1]!],
      targetReplicas: 2,
    });
    const readyNew = reconcilePool({
      deployment: deployment('v2'),
      nodes: [{ ...nodes[0]!, replicas: [...nodes[0]!.replicas, replica('v2', 'ready', 1)] }, nodes[1]!],
      targetReplicas: 2,
    });

    // Assess
    expect(first).toEqual([{ kind: 'load', nodeId: 'n1', modelId: MODEL, version: 'v2' }]);
    expect(warming).toEqual([]);
    expect(readyNew).toEqual([
      { kind: 'drain', nodeId: 'n1', modelId: MODEL, version: 'v1' },
      { kind: 'load', nodeId: 'n2', modelId: MODEL, version: 'v2' },
    ]);
  });

  it('drains one old replica to make room when no GPU is free, the least busy', () => {
    // Prepare: two single-GPU nodes, both holding v1.
    const nodes = [node('n1', 1, replica('v1', 'ready', 0)), node('n2', 1, replica('v1', 'ready', 0, 3))];
    // Act
    const actions = reconcilePool({ deployment: deployment('v2'), nodes, targetReplicas: 2 });
    // Assess: the idle one goes (n1), the busy one keeps serving.
    expect(actions).toEqual([{ kind: 'drain', nodeId: 'n1', modelId: MODEL, version: 'v1' }]);
  });

  it('scales in warming replicas first, then the least busy; scales out one replica per node', () => {
    // Prepare
    const nodes = [
      node('n1', 2, replica('v1', 'ready', 0, 5), replica('v1', 'loading', 1)),
      node('n2', 2, replica('v1', 'ready', 0, 1)),
    ];
    // Act
    const scaleIn = reconcilePool({ deployment: deployment('v1'), nodes, targetReplicas: 1 });
    const scaleOut = reconcilePool({
      deployment: deployment('v1'),
      nodes: [node('n1', 2), node('n2', 2)],
      targetReplicas: 3,
    });
    // Assess
    expect(scaleIn.map((a) => [a.kind, a.nodeId])).toEqual([
      ['drain', 'n1'],
      ['drain', 'n2'],
    ]);
    // One replica of a version per node (the agent addresses a replica by model and version): two, not three.
    expect(scaleOut.map((a) => [a.kind, a.nodeId])).toEqual([
      ['load', 'n1'],
      ['load', 'n2'],
    ]);
  });

  it('sends a request to the least loaded ready replica, never a warming or draining one', () => {
    // Prepare
    const nodes = [
      node('n1', 3, replica('v1', 'ready', 0, 4), replica('v2', 'warming', 1), replica('v0', 'draining', 2)),
      node('n2', 1, replica('v1', 'ready', 0, 2)),
    ];
    // Act + Assess
    expect(pickReplica(nodes, MODEL)?.nodeId).toBe('n2');
    expect(pickReplica([node('n1', 2, replica('v2', 'warming', 1))], MODEL)).toBeUndefined();
  });

  it('keeps every ready replica through a rollout while a GPU is spare (one fewer without), ending on the new version only', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        (nodeCount, gpusPerNode, replicasPerNodeWanted) => {
          // Prepare: the old version on as many nodes as the target asks, at most all of them.
          const target = Math.min(nodeCount, replicasPerNodeWanted);
          let nodes = [...Array(nodeCount).keys()].map((i) => node(`n${i}`, gpusPerNode));
          nodes = applyAndWarm(nodes, reconcilePool({ deployment: deployment('v1'), nodes, targetReplicas: target }));
          const before = ready(nodes);
          const roomToSpare = gpusPerNode > 1 || nodeCount > target;
          // Act: reconcile to v2 until nothing changes.
          for (let step = 0; step < 50; step++) {
            const actions = reconcilePool({ deployment: deployment('v2'), nodes, targetReplicas: target });
            if (actions.length === 0) break;
            // A drained replica stops serving at once; a started one is not ready yet.
            const drained = applyAndWarm(
              nodes,
              actions.filter((a) => a.kind === 'drain'),
            );
            expect(ready(drained)).toBeGreaterThanOrEqual(before - (roomToSpare ? 0 : 1));
            nodes = applyAndWarm(nodes, actions);
          }
          // Assess
          const versions = nodes.flatMap((n) => n.replicas.map((r) => r.version));
          expect(versions).toEqual(Array(target).fill('v2'));
        },
      ),
    );
  });
});
