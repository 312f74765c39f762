import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { catalogEntry, type ModelVersion, modelCatalogSeed } from '../../../core/gpu/model-catalog.js';
import type { Site } from '../../../core/model/site.js';
import { requeueAfterPreemption } from '../../../core/routing/requeue.js';
import type { RoutableJob } from '../../../core/routing/types.js';
import { enginePriority } from '../../../core/serving/tiers.js';
import { ManualClock } from '../../../core/support/clock.js';
import { nodeAgentHttp } from '../../../iot-greengrass/adapters/inference/node-agent-http.js';
import { openAiHttpInference } from '../../../iot-greengrass/adapters/inference/openai-http.js';
import type { InferenceOutcome } from '../../../iot-greengrass/adapters/inference/port.js';
import { ModelPool, type PoolTarget } from '../../../iot-greengrass/components/com.hcp.GpuWorker/src/model-pool.js';
import { GpuNode } from '../../../sim/devices/gpu/gpu-node.js';
import { type GpuNodeServer, startGpuNodeServer } from '../../../sim/devices/gpu/http-api.js';
import { gpuNodeInventory } from '../../../sim/devices/inventory.js';
import { until } from '../../support/until.js';

/**
 * Model serving on the local platform's parts: virtual GPU nodes behind their HTTP node-agent and OpenAI APIs, the
 * GpuWorker's ModelPool driving them through the real HTTP adapters, on one manual clock the test moves.
 */
const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';
const V1 = catalogEntry(modelCatalogSeed, LLAMA_8B)!;
const V2: ModelVersion = { ...V1, version: 'b5c1d2e', weightsUri: 'hf://meta-llama/Llama-3.1-8B-Instruct@b5c1d2e' };
const CATALOG = [...modelCatalogSeed, V2];
const WEST: Site = referenceFleet.sites.find((s) => s.id === 'site-west-1')!;
const POOL = WEST.gpuPools[0]!;
const PRICE_USD_PER_MWH = 42;

interface Rig {
  readonly clock: ManualClock;
  readonly nodes: GpuNode[];
  readonly servers: GpuNodeServer[];
  readonly pool: ModelPool;
}

async function startRig(nodeCount: number, gpusPerNode: number, maxBatchSequences?: number): Promise<Rig> {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 8));
  const items = gpuNodeInventory(WEST, nodeCount, gpusPerNode, 7).slice(0, nodeCount);
  const nodes = items.map((item) => new GpuNode(item, POOL, clock, { maxBatchSequences }));
  const servers = await Promise.all(nodes.map((node) => startGpuNodeServer(node, { host: '127.0.0.1', port: 0 })));
  const pool = new ModelPool({
    nodes: nodes.map((node, i) => ({
      nodeId: node.item.id,
      baseUrl: `http://127.0.0.1:${servers[i]!.port}`,
      gpuCount: gpusPerNode,
    })),
    agent: nodeAgentHttp(),
    inference: openAiHttpInference(),
    catalog: CATALOG,
    gpuModel: 'nvidia-h100-sxm5',
    pool: POOL,
    clock,
  });
  return { clock, nodes, servers, pool };
}

/** Moves the shared clock and lets every node catch up (jobs finish, warm-ups end, drained engines stop). */
function advance(rig: Rig, seconds: number): void {
  rig.clock.advanceMs(seconds * 1000);
  for (const node of rig.nodes) node.tick();
}

const target = (rig: Rig, version: string, forecastTokensPerSec: number): PoolTarget => ({
  modelId: LLAMA_8B,
  version,
  forecastTokensPerSec,
  planGpus: 4,
  planIntervalStartMs: Math.floor(rig.clock.nowMs() / 300_000) * 300_000,
  priceUsdPerMwh: PRICE_USD_PER_MWH,
});

/** Requests sent through the pool, each settled or not. */
class Traffic {
  readonly outcomes: Array<InferenceOutcome | undefined> = [];
  readonly settledOrder: number[] = [];
  constructor(private readonly rig: Rig) {}
  send(maxTokens: number, priority?: number): number {
    const at = this.outcomes.push(undefined) - 1;
    void this.rig.pool
      .complete({
        modelId: LLAMA_8B,
        prompt: 'x'.repeat(400),
        maxTokens,
        signal: new AbortController().signal,
        ...(priority === undefined ? {} : { priority }),
      })
      .then((outcome) => {
        this.outcomes[at] = outcome;
        this.settledOrder.push(at);
      });
    return at;
  }
  unsettled(): number {
    return this.outcomes.filter((o) => o === undefined).length;
  }
}

/** Requests the nodes hold now (in a batch or waiting for one). */
const onNodes = (rig: Rig) =>
  rig.nodes.reduce((sum, n) => sum + n.replicas().reduce((s, r) => s + r.runningRequests + r.waitingRequests, 0), 0);

const replicasOf = (rig: Rig) => rig.nodes.flatMap((n) => n.replicas().map((r) => ({ nodeId: n.item.id, ...r })));

describe('model serving: catalog versions on a pool of virtual GPU nodes', () => {
  const rigs: Rig[] = [];
  afterAll(async () => {
    for (const rig of rigs) await Promise.all(rig.servers.map((s) => s.close()));
  });

  it('rolls a new model version across a pool without dropping requests, warming it before the old one drains', async () => {
    // Prepare: two nodes of 2 H100s, v1 on two replicas (one per node), warm.
    const rig = await startRig(2, 2);
    rigs.push(rig);
    await rig.pool.reconcile(target(rig, V1.version, 9000));
    advance(rig, V1.warmupSeconds);
    await rig.pool.observe();
    expect(replicasOf(rig).map((r) => [r.version, r.state])).toEqual([
      [V1.version, 'ready'],
      [V1.version, 'ready'],
    ]);
    const traffic = new Traffic(rig);

    // Act: keep requests coming while the pool reconciles toward v2, 10 s a step.
    const readyDuringRollout: number[] = [];
    let firstV2ReadyAtMs: number | undefined;
    let firstV1DrainAtMs: number | undefined;
    for (let step = 0; step < 40; step++) {
      for (let i = 0; i < 3; i++) traffic.send(200);
      await until('every request on a node or settled', () => onNodes(rig) === traffic.unsettled(), {
        detail: () => ({ onNodes: onNodes(rig), unsettled: traffic.unsettled() }),
      });
      const actions = await rig.pool.reconcile(target(rig, V2.version, 9000));
      if (actions.some((a) => a.kind === 'drain')) firstV1DrainAtMs ??= rig.clock.nowMs();
      advance(rig, 10);
      await rig.pool.observe();
      const replicas = replicasOf(rig);
      readyDuringRollout.push(replicas.filter((r) => r.state === 'ready').length);
      if (replicas.some((r) => r.version === V2.version && r.state === 'ready')) firstV2ReadyAtMs ??= rig.clock.nowMs();
      if (replicas.length === 2 && replicas.every((r) => r.version === V2.version && r.state === 'ready')) break;
    }
    advance(rig, 60);
    await until('every request settled', () => traffic.unsettled() === 0, {
      detail: () => ({ unsettled: traffic.unsettled(), onNodes: onNodes(rig) }),
    });

    // Assess
    expect(replicasOf(rig).map((r) => [r.version, r.state])).toEqual([
      [V2.version, 'ready'],
      [V2.version, 'ready'],
    ]);
    expect(traffic.outcomes.length).toBeGreaterThan(10);
    expect(traffic.outcomes.filter((o) => !o?.ok)).toEqual([]);
    expect(Math.min(...readyDuringRollout)).toBeGreaterThanOrEqual(2);
    expect(firstV2ReadyAtMs).toBeDefined();
    expect(firstV1DrainAtMs).toBeGreaterThanOrEqual(firstV2ReadyAtMs!);
  });

  it('scales a pool to zero when idle and back on demand, booking the warm-up against the plan', async () => {
    // Prepare: one replica serving, then no forecast and nothing waiting.
    const rig = await startRig(2, 2);
    rigs.push(rig);
    await rig.pool.reconcile(target(rig, V1.version, 1000));
    advance(rig, V1.warmupSeconds);
    const firstWarmups = rig.pool.warmups.length;

    // Act 1: idle.
    await rig.pool.reconcile(target(rig, V1.version, 0));
    advance(rig, 1);
    await rig.pool.observe();

    // Assess 1: no engine left, no GPU memory held.
    expect(replicasOf(rig)).toEqual([]);
    expect(rig.nodes.flatMap((n) => n.readings()).every((g) => g.memoryUsedMib === 0)).toBe(true);

    // Act 2: a request arrives at a pool with nothing warm; the next reconciliation sees it waiting.
    const traffic = new Traffic(rig);
    traffic.send(100);
    await until('the request counted as waiting', () => rig.pool.waitingRequests(LLAMA_8B) === 1);
    const energyBeforeMj = rig.nodes.map((n) => n.readings().map((g) => g.energyMj));
    const planInterval = target(rig, V1.version, 0);
    await rig.pool.reconcile(planInterval);
    const [started] = replicasOf(rig);
    expect(started).toMatchObject({ state: 'loading', version: V1.version });
    advance(rig, V1.warmupSeconds);
    const nodeIndex = rig.nodes.findIndex((n) => n.item.id === started!.nodeId);
    const gpu = started!.gpuIndexes[0]!;
    const measuredJ = (rig.nodes[nodeIndex]!.readings()[gpu]!.energyMj - energyBeforeMj[nodeIndex]![gpu]!) / 1000;
    await rig.pool.observe();
    await until('the request on the warm replica', () => onNodes(rig) === 1);
    advance(rig, 5);
    await until('the request served', () => traffic.unsettled() === 0);

    // Assess 2: served, and the warm-up charged to the plan interval is what the GPU drew meanwhile.
    expect(traffic.outcomes[0]).toMatchObject({ ok: true, value: { outputTokens: 100 } });
    const booked = rig.pool.warmups.slice(firstWarmups);
    expect(booked).toHaveLength(1);
    expect(booked[0]).toMatchObject({
      nodeId: started!.nodeId,
      gpus: 1,
      gpuSeconds: V1.warmupSeconds,
      planIntervalStartMs: planInterval.planIntervalStartMs,
    });
    expect(booked[0]!.energyKwh * 3.6e6).toBeCloseTo(measuredJ, 0);
    expect(booked[0]!.costUsd).toBeCloseTo((booked[0]!.energyKwh / 1000) * PRICE_USD_PER_MWH, 9);
  });

  it('lets a guaranteed request overtake flex work on one busy replica and hands the flex work back with its progress', async () => {
    // Prepare: one GPU, an engine that batches one sequence at a time, a long flex job running.
    const rig = await startRig(1, 1, 1);
    rigs.push(rig);
    await rig.pool.reconcile(target(rig, V1.version, 1000));
    advance(rig, V1.warmupSeconds);
    await rig.pool.observe();
    const baseUrl = `http://127.0.0.1:${rig.servers[0]!.port}`;
    const postJob = (id: string, outputTokens: number, tier: 'guaranteed' | 'flex') =>
      fetch(`${baseUrl}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, modelId: LLAMA_8B, inputTokens: 100, outputTokens, priority: enginePriority(tier) }),
      });
    const job = async (id: string) => (await (await fetch(`${baseUrl}/v1/jobs/${id}`)).json()) as Record<string, any>;
    expect((await postJob('flex-1', 20_000, 'flex')).status).toBe(202);
    advance(rig, 5);

    // Act: a guaranteed job arrives at the full batch.
    expect((await postJob('guaranteed-1', 100, 'guaranteed')).status).toBe(202);
    const flexPreempted = await job('flex-1');
    advance(rig, 2);
    const guaranteed = await job('guaranteed-1');
    const flexAfter = await job('flex-1');
    // The worker hands the preempted flex job back: aborted on the node, its progress kept for the next attempt.
    const aborted = (await (await fetch(`${baseUrl}/v1/jobs/flex-1`, { method: 'DELETE' })).json()) as Record<
      string,
      any
    >;
    const routable: RoutableJob = {
      id: 'flex-1',
      tenantId: 'tenant-a',
      modelId: LLAMA_8B,
      inputTokens: 100,
      outputTokens: 20_000,
      tier: 'flex',
      deadlineMs: rig.clock.nowMs() + 3_600_000,
      maxPriceUsd: 10,
      submittedAtMs: rig.clock.nowMs(),
      attempt: 1,
    };
    const next = requeueAfterPreemption(routable, {
      siteId: WEST.id,
      reason: 'priority',
      checkpointOutputTokens: aborted.outputTokensDone,
      billedUsd: 0,
    });

    // Assess
    expect(flexPreempted).toMatchObject({ status: 'queued', preemptions: 1, priority: 10 });
    expect(flexPreempted.outputTokensDone).toBeGreaterThan(0);
    expect(guaranteed).toMatchObject({ status: 'completed', priority: 0 });
    expect(flexAfter.status).toBe('running');
    expect(flexAfter.outputTokensDone).toBeGreaterThanOrEqual(flexPreempted.outputTokensDone);
    expect(aborted.status).toBe('cancelled');
    expect(next).toMatchObject({
      kind: 'requeue',
      job: { attempt: 2, outputTokens: 20_000 - aborted.outputTokensDone, avoidSiteIds: [] },
    });

    // And through the OpenAI API the GpuWorker uses: vLLM's `priority` field, the guaranteed completion first.
    const traffic = new Traffic(rig);
    const flexAt = traffic.send(5000, enginePriority('flex'));
    await until('the flex completion running', () => onNodes(rig) === 1);
    const guaranteedAt = traffic.send(50, enginePriority('guaranteed'));
    await until('both on the replica', () => onNodes(rig) === 2);
    for (let i = 0; i < 60 && traffic.unsettled() > 0; i++) {
      advance(rig, 1);
      await until('an answer for every request the node finished', () => 2 - traffic.unsettled() === 2 - onNodes(rig));
    }
    expect(traffic.settledOrder).toEqual([guaranteedAt, flexAt]);
    expect(traffic.outcomes.every((o) => o?.ok)).toBe(true);
  });
});
