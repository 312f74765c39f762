import { referenceFleet } from '../../../../core/fleet/reference-fleet.js';
import { catalogEntry, modelCatalogSeed } from '../../../../core/gpu/model-catalog.js';
import { jobReportSchema } from '../../../../core/routing/site-messages.js';
import type { ReplicaKey, ReplicaView } from '../../../../core/serving/node-agent.js';
import { ManualClock } from '../../../../core/support/clock.js';
import { memoryJobQueue, memoryReportSink } from '../../../adapters/inference/job-queue.js';
import type { AgentOutcome, InferenceOutcome, InferencePort, NodeAgentPort } from '../../../adapters/inference/port.js';
import type { NamedShadowPort } from '../../../adapters/messaging/named-shadow.js';
import { GpuWorker } from '../src/gpu-worker.js';
import { MAX_REPLICA_MISSES } from '../src/model-pool.js';
import { PoolServing } from '../src/pool-serving.js';
import { MODEL, POOL, siteJob, T0, workerNode } from './fixtures.js';

const ENTRY = catalogEntry(modelCatalogSeed, MODEL)!;
const FIGURES = referenceFleet.sites.find((s) => s.id === 'site-west-1')!.gpuPools[0]!;
const NODES = [workerNode('n1'), workerNode('n2')];

/**
 * Agents reporting a ready replica on each node; a drain marks the node's replica draining, at once or (`holdDrains`)
 * when the test releases it.
 */
function scriptedAgents(holdDrains: boolean) {
  const replicas = new Map<string, ReplicaView[]>(NODES.map((n) => [n.inferenceUrl, [readyReplica()]]));
  const drains: Array<{ url: string; key: ReplicaKey; release: () => void }> = [];
  const agent: NodeAgentPort = {
    replicas: async (url) => replicas.get(url),
    load: async () => ({ ok: true }),
    drain: (url, key) =>
      new Promise<AgentOutcome>((resolve) => {
        const release = () => {
          replicas.set(
            url,
            replicas.get(url)!.map((r) => ({ ...r, state: 'draining' })),
          );
          resolve({ ok: true });
        };
        drains.push({ url, key, release });
        if (!holdDrains) release();
      }),
    unload: async () => ({ ok: true }),
  };
  return { agent, replicas, drains };
}

function readyReplica(): ReplicaView {
  return {
    modelId: MODEL,
    version: ENTRY.version,
    state: 'ready',
    gpuIndexes: [0],
    startedAtMs: T0 - 600_000,
    readyAtMs: T0 - 500_000,
    runningRequests: 0,
    waitingRequests: 0,
  };
}

/** Inference that answers 404 (no replica of the model) on the nodes in `gone`, and completes elsewhere. */
function inferenceWithGoneNodes(gone: Set<string>) {
  const calls: string[] = [];
  const port: InferencePort = {
    checkpoints: false,
    complete: async (request): Promise<InferenceOutcome> => {
      calls.push(request.baseUrl);
      return gone.has(request.baseUrl)
        ? { ok: false, failure: { kind: 'server-error', status: 404, detail: 'model_not_loaded' } }
        : { ok: true, value: { inputTokens: 100, outputTokens: 50 } };
    },
  };
  return { port, calls };
}

async function startServingWorker(gone: Set<string>, holdDrains = false) {
  const clock = new ManualClock(T0);
  const agents = scriptedAgents(holdDrains);
  const inference = inferenceWithGoneNodes(gone);
  const shadow: NamedShadowPort = {
    onDesired: (handler) => {
      shadow.requestDesired = async () =>
        handler({
          deployments: {
            [POOL]: JSON.stringify({ poolId: POOL, entry: ENTRY, updatedAt: new Date(T0).toISOString() }),
          },
        });
    },
    requestDesired: async () => {},
    report: async () => {},
  };
  const events: Array<{ event: string; detail: Record<string, unknown> }> = [];
  const log = (event: string, detail: Record<string, unknown>) => events.push({ event, detail });
  const serving = await PoolServing.start({
    nodes: NODES,
    pools: [{ poolId: POOL, gpuModel: 'nvidia-h100-sxm5', figures: FIGURES }],
    agent: agents.agent,
    inference: inference.port,
    clock,
    shadow,
    log,
  });
  const sink = memoryReportSink();
  const worker = await GpuWorker.start({
    siteId: 'site-west-1',
    nodes: NODES,
    queue: memoryJobQueue(),
    reports: sink,
    inference: inference.port,
    power: { readPower: async () => ({ powerW: 2000, gpus: 8 }) },
    clock,
    capacity: () => ({ gpusServingByPool: { [POOL]: 16 }, emergency: false }),
    powerSampleMs: 1000,
    tickMs: 0,
    serving,
    servingStepMs: 1000,
    log,
  });
  const reports = () => sink.published.map((p) => jobReportSchema.parse(JSON.parse(p)));
  const settle = async () => {
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { worker, clock, agents, inference, reports, events, settle };
}

describe('com.hcp.GpuWorker on a pool deployment: a replica going away under a request', () => {
  it('places nothing on a replica from the moment the pool decides to drain it', async () => {
    // Prepare: both nodes ready; one job's demand sizes the pool to one replica, so n1 (first, least busy) drains.
    const rig = await startServingWorker(new Set(), true);
    rig.worker.deliver(JSON.stringify(siteJob('j0')));
    const stepping = rig.worker.tick();
    await rig.settle();
    expect(rig.agents.drains.map((d) => d.url)).toEqual(['http://n1:8000']);

    // Act: a job arrives while the drain is on its way to the agent
    rig.worker.deliver(JSON.stringify(siteJob('j1')));
    rig.agents.drains[0]!.release();
    await stepping;
    await rig.settle();

    // Assess: every request went to n2; none to the draining replica
    expect(rig.inference.calls.filter((url) => url === 'http://n1:8000')).toEqual([]);
    expect(rig.reports().map((r) => [r.jobId, r.outcome, r.nodeId])).toEqual(
      expect.arrayContaining([
        ['j0', 'completed', expect.any(String)],
        ['j1', 'completed', 'n2'],
      ]),
    );
  });

  it('sends a request that found its replica gone (404) to another ready replica, without failing it', async () => {
    // Prepare: five jobs in hand keep both replicas (four a replica); the agents say both are ready, but n1's
    // engine has gone (drained by another hand since)
    const rig = await startServingWorker(new Set(['http://n1:8000']));
    const jobs = ['j1', 'j2', 'j3', 'j4', 'j5'];
    for (const jobId of jobs) rig.worker.deliver(JSON.stringify(siteJob(jobId)));

    // Act: the pool looks, the jobs are placed on both nodes
    await rig.worker.tick();
    await rig.settle();

    // Assess: every job completed on n2; the ones sent to n1 came back once each
    expect(rig.agents.drains).toEqual([]);
    expect(
      rig
        .reports()
        .map((r) => [r.jobId, r.outcome, r.nodeId])
        .sort(),
    ).toEqual(jobs.map((jobId) => [jobId, 'completed', 'n2']));
    const gone = rig.events.filter((e) => e.event === 'replica-gone').map((e) => e.detail);
    expect(gone.length).toBeGreaterThan(0);
    expect(gone.every((d) => d.nodeId === 'n1' && d.misses === 1)).toBe(true);
  });

  it('fails a request that finds every replica gone, after a bounded number of tries', async () => {
    // Prepare: both engines gone; the pool keeps seeing them ready
    const rig = await startServingWorker(new Set(['http://n1:8000', 'http://n2:8000']));
    rig.worker.deliver(JSON.stringify(siteJob('j1')));

    // Act: the pool looks again after each miss
    for (let i = 0; i <= MAX_REPLICA_MISSES + 1 && rig.reports().length === 0; i++) {
      rig.clock.advanceMs(1000);
      await rig.worker.tick();
      await rig.settle();
    }

    // Assess
    expect(rig.reports()).toEqual([
      expect.objectContaining({ jobId: 'j1', outcome: 'failed', reason: expect.stringContaining('HTTP 404') }),
    ]);
    expect(rig.inference.calls).toHaveLength(MAX_REPLICA_MISSES + 1);
  });
});
