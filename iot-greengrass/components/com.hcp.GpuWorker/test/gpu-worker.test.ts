import type { GpuHealthSample } from '../../../../core/gpu/health.js';
import { type GpuNodeCommand, gpuNodeReportSchema } from '../../../../core/gpu/node-messages.js';
import { jobReportSchema, type SiteJob } from '../../../../core/routing/site-messages.js';
import { ManualClock } from '../../../../core/support/clock.js';
import { memoryJobQueue, memoryReportSink } from '../../../adapters/inference/job-queue.js';
import type { InferenceOutcome, InferencePort, InferenceRequest } from '../../../adapters/inference/port.js';
import type { WorkerNode } from '../src/config.js';
import type { GpuCapacity } from '../src/gateway-capacity.js';
import { GpuWorker } from '../src/gpu-worker.js';

const T0 = Date.parse('2026-03-02T12:00:00Z');
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

/** An inference server the test answers by hand; an aborted request reports `keptOnAbort` tokens when it checkpoints. */
function scriptedInference(keptOnAbort?: number) {
  const calls: Array<{ request: InferenceRequest; answer: (o: InferenceOutcome) => void }> = [];
  const port: InferencePort = {
    checkpoints: keptOnAbort !== undefined,
    complete: (request) =>
      new Promise((resolve) => {
        calls.push({ request, answer: resolve });
        request.signal.addEventListener('abort', () =>
          resolve({ ok: false, failure: { kind: 'aborted', checkpointOutputTokens: keptOnAbort ?? 0 } }),
        );
      }),
  };
  return { port, calls };
}

const node = (nodeId: string): WorkerNode => ({
  nodeId,
  poolId: 'west-h100-a',
  gpuCount: 8,
  inferenceUrl: `http://${nodeId}:8000`,
  metricsUrl: `http://${nodeId}:9400/metrics`,
  modelId: MODEL,
  maxConcurrentJobs: 4,
});

const siteJob = (jobId: string, overrides: Partial<SiteJob> = {}): SiteJob => ({
  jobId,
  attempt: 1,
  tenantId: 'tenant-a',
  tier: 'flex',
  modelId: MODEL,
  poolId: 'west-h100-a',
  inputTokens: 100,
  outputTokens: 50,
  deadline: new Date(T0 + 3_600_000).toISOString(),
  ...overrides,
});

async function startWorker(options: { nodes?: WorkerNode[]; keptOnAbort?: number } = {}) {
  const clock = new ManualClock(T0);
  const queue = memoryJobQueue();
  const sink = memoryReportSink();
  const inventorySink = memoryReportSink();
  const healthByUrl = new Map<string, GpuHealthSample[]>();
  const inference = scriptedInference(options.keptOnAbort);
  let capacity: GpuCapacity = { gpusServingByPool: { 'west-h100-a': 16 }, emergency: false };
  const worker = await GpuWorker.start({
    siteId: 'site-west-1',
    nodes: options.nodes ?? [node('n1'), node('n2')],
    queue,
    reports: sink,
    inference: inference.port,
    power: { readPower: async () => ({ powerW: 2000, gpus: 8 }) },
    clock,
    capacity: () => capacity,
    powerSampleMs: 1000,
    tickMs: 0,
    health: { readHealth: async (url) => healthByUrl.get(url) ?? [{ index: 0, temperatureC: 45 }] },
    healthSampleMs: 1000,
    inventoryReports: inventorySink,
    inventoryReportMs: 10_000,
  });
  const reports = () => sink.published.map((p) => jobReportSchema.parse(JSON.parse(p)));
  const inventories = () => inventorySink.published.map((p) => gpuNodeReportSchema.parse(JSON.parse(p)));
  const setHealth = (nodeId: string, gpus: GpuHealthSample[]) => healthByUrl.set(`http://${nodeId}:9400/metrics`, gpus);
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const setCapacity = (next: GpuCapacity) => {
    capacity = next;
  };
  return { worker, queue, clock, inference, reports, settle, setCapacity, inventories, setHealth };
}

const ok = (inputTokens: number, outputTokens: number): InferenceOutcome => ({
  ok: true,
  value: { inputTokens, outputTokens },
});

describe('com.hcp.GpuWorker', () => {
  it('runs a job on a node of its pool and reports its completion with metered GPU time and energy', async () => {
    // Prepare
    const { worker, clock, inference, reports, settle } = await startWorker();

    // Act
    const delivery = worker.deliver(JSON.stringify(siteJob('j1')));
    clock.advanceMs(10_000);
    inference.calls[0]!.answer(ok(100, 50));
    await settle();

    // Assess
    expect(delivery).toEqual({ kind: 'accepted', jobId: 'j1', attempt: 1 });
    expect(inference.calls[0]!.request).toMatchObject({ baseUrl: 'http://n1:8000', modelId: MODEL, maxTokens: 50 });
    expect(reports()).toEqual([
      expect.objectContaining({ jobId: 'j1', attempt: 1, outcome: 'completed', nodeId: 'n1', outputTokens: 50 }),
    ]);
    // 2 kW for 10 s alone on the node; 8 GPUs for 10 s
    expect(reports()[0]!.energyKwh).toBeCloseTo(20_000 / 3_600_000, 9);
    expect(reports()[0]!.gpuSeconds).toBeCloseTo(80, 9);
  });

  it('refuses a malformed job message, naming the fields, and runs nothing', async () => {
    // Prepare
    const { worker, inference } = await startWorker();

    // Act
    const notJson = worker.deliver('{"jobId":');
    const bad = worker.deliver(JSON.stringify({ ...siteJob('j1'), outputTokens: 0, tier: 'gold', extra: 1 }));

    // Assess
    expect(notJson).toMatchObject({ kind: 'malformed-job', issues: [{ field: '(root)' }] });
    expect(bad.kind).toBe('malformed-job');
    const fields = bad.kind === 'malformed-job' ? bad.issues.map((i) => i.field).sort() : [];
    expect(fields).toEqual(['extra', 'outputTokens', 'tier']);
    expect(inference.calls).toHaveLength(0);
  });

  it('does not run a redelivered attempt twice, and replays its completion once it has ended', async () => {
    // Prepare
    const { worker, inference, reports, settle } = await startWorker();
    worker.deliver(JSON.stringify(siteJob('j1')));

    // Act
    const whileRunning = worker.deliver(JSON.stringify(siteJob('j1')));
    inference.calls[0]!.answer(ok(100, 50));
    await settle();
    const afterEnd = worker.deliver(JSON.stringify(siteJob('j1')));
    await settle();

    // Assess
    expect(whileRunning).toEqual({ kind: 'duplicate', jobId: 'j1', attempt: 1, replayed: false });
    expect(afterEnd).toEqual({ kind: 'duplicate', jobId: 'j1', attempt: 1, replayed: true });
    expect(inference.calls).toHaveLength(1);
    expect(reports()).toHaveLength(2);
    expect(reports()[1]).toEqual(reports()[0]);
  });

  it('refuses an attempt older than one it has seen, and a job for a pool it does not have', async () => {
    // Prepare
    const { worker, reports, settle } = await startWorker();
    worker.deliver(JSON.stringify(siteJob('j1', { attempt: 3 })));

    // Act
    const stale = worker.deliver(JSON.stringify(siteJob('j1', { attempt: 2 })));
    const foreign = worker.deliver(JSON.stringify(siteJob('j2', { poolId: 'south-h200-a' })));
    await settle();

    // Assess
    expect(stale).toEqual({ kind: 'stale-attempt', jobId: 'j1', attempt: 2, current: 3 });
    expect(foreign).toEqual({ kind: 'unknown-pool', jobId: 'j2', poolId: 'south-h200-a' });
    expect(reports()).toEqual([expect.objectContaining({ jobId: 'j2', outcome: 'failed' })]);
  });

  it('reports a malformed completion from the inference server as a failed attempt with the reason', async () => {
    // Prepare
    const { worker, inference, reports, settle } = await startWorker();
    worker.deliver(JSON.stringify(siteJob('j1')));

    // Act
    inference.calls[0]!.answer({
      ok: false,
      failure: { kind: 'malformed-completion', detail: 'usage.completion_tokens: expected number' },
    });
    await settle();

    // Assess
    expect(reports()[0]).toMatchObject({
      outcome: 'failed',
      reason: 'inference malformed-completion: usage.completion_tokens: expected number',
    });
  });

  it('answers a cancel for a job it never saw with unknown-job', async () => {
    // Prepare
    const { worker } = await startWorker();

    // Act
    const result = worker.cancel('nobody');

    // Assess
    expect(result).toEqual({ ok: false, error: 'unknown-job' });
  });

  it('on a capacity shrink preempts flex first and lets guaranteed work drain; in an emergency stops it too', async () => {
    // Prepare: n1 runs a guaranteed and a flex job, n2 two flex jobs
    const { worker, inference, reports, settle, setCapacity } = await startWorker({ keptOnAbort: 0 });
    worker.deliver(JSON.stringify(siteJob('g1', { tier: 'guaranteed' })));
    worker.deliver(JSON.stringify(siteJob('f1')));
    worker.deliver(JSON.stringify(siteJob('f2')));
    worker.deliver(JSON.stringify(siteJob('f3')));

    // Act
    setCapacity({ gpusServingByPool: { 'west-h100-a': 0 }, emergency: false });
    await worker.tick();
    await settle();
    const afterShrink = reports().map((r) => `${r.jobId}:${r.outcome}`);
    setCapacity({ gpusServingByPool: { 'west-h100-a': 0 }, emergency: true });
    await worker.tick();
    await settle();

    // Assess
    expect(afterShrink.sort()).toEqual(['f1:preempted', 'f2:preempted', 'f3:preempted']);
    expect(reports().map((r) => r.jobId)).toEqual(expect.arrayContaining(['g1']));
    expect(reports().at(-1)).toMatchObject({ jobId: 'g1', outcome: 'preempted', reason: 'grid-emergency' });
    expect(worker.view().vacatedNodes).toEqual(['n1', 'n2']);
    expect(inference.calls).toHaveLength(4);
  });

  it('sends a queued job back when its pool has no node left serving, and keeps the checkpoint of a stopped one', async () => {
    // Prepare: one node, four slots, five jobs: one waits
    const { worker, reports, settle, setCapacity } = await startWorker({ nodes: [node('n1')], keptOnAbort: 20 });
    for (const id of ['f1', 'f2', 'f3', 'f4', 'f5']) worker.deliver(JSON.stringify(siteJob(id)));

    // Act
    setCapacity({ gpusServingByPool: { 'west-h100-a': 0 }, emergency: false });
    await worker.tick();
    await settle();

    // Assess
    const byJob = new Map(reports().map((r) => [r.jobId, r]));
    expect(byJob.get('f5')).toMatchObject({ outcome: 'preempted', reason: 'capacity', checkpointOutputTokens: 0 });
    expect(byJob.get('f1')).toMatchObject({ outcome: 'preempted', checkpointOutputTokens: 20 });
    expect(byJob.size).toBe(5);
  });

  it('fails a queued job whose deadline passes before a GPU is free', async () => {
    // Prepare
    const { worker, clock, reports, settle } = await startWorker({ nodes: [node('n1')] });
    for (const id of ['a', 'b', 'c', 'd']) worker.deliver(JSON.stringify(siteJob(id)));
    worker.deliver(JSON.stringify(siteJob('late', { deadline: new Date(T0 + 1000).toISOString() })));

    // Act
    clock.advanceMs(2000);
    await worker.tick();
    await settle();

    // Assess
    expect(reports()).toEqual([
      expect.objectContaining({ jobId: 'late', outcome: 'failed', reason: 'deadline passed before a GPU was free' }),
    ]);
  });
});

let commandSeq = 0;
const nodeCommand = (nodeId: string, action: GpuNodeCommand['action'], issuedAtMs = T0): GpuNodeCommand => ({
  commandId: `00000000-0000-4000-8000-${String(++commandSeq).padStart(12, '0')}`,
  siteId: 'site-west-1',
  nodeId,
  action,
  issuedAt: new Date(issuedAtMs).toISOString(),
  reason: 'fan replacement',
  by: 'op-1',
});

describe('com.hcp.GpuWorker node management', () => {
  it('drains a node: its flex job is preempted for capacity, its guaranteed job finishes, no new job lands on it', async () => {
    // Prepare: the least busy node takes each job: flex-1 and flex-2 on n1, guar-1 and flex-4 on n2
    const { worker, inference, reports, settle } = await startWorker({ nodes: [node('n1'), node('n2')] });
    for (const job of [
      siteJob('flex-1'),
      siteJob('guar-1', { tier: 'guaranteed' }),
      siteJob('flex-2'),
      siteJob('flex-4'),
    ])
      worker.deliver(JSON.stringify(job));
    const onN2 = () => inference.calls.filter((c) => c.request.baseUrl === 'http://n2:8000');
    const startedOnN2 = onN2().length;

    // Act
    const result = worker.command(nodeCommand('n2', 'drain'));
    await settle();
    worker.deliver(JSON.stringify(siteJob('flex-3')));
    onN2()
      .find((c) => !c.request.signal.aborted)
      ?.answer(ok(100, 50));
    await settle();

    // Assess
    expect(startedOnN2).toBe(2);
    expect(result).toMatchObject({ kind: 'applied', nodeId: 'n2', action: 'drain', state: 'draining' });
    expect(reports().map((r) => [r.jobId, r.nodeId, r.outcome, 'reason' in r ? r.reason : undefined])).toEqual([
      ['flex-4', 'n2', 'preempted', 'capacity'],
      ['guar-1', 'n2', 'completed', undefined],
    ]);
    expect(onN2()).toHaveLength(2);
    expect(inference.calls.at(-1)!.request.baseUrl).toBe('http://n1:8000');
    expect(worker.inventory().nodes.find((n) => n.nodeId === 'n2')).toMatchObject({
      state: 'draining',
      cordonedBy: 'operator',
    });
  });

  it('cordons a node (running work finishes, no new work) and uncordons it (work lands again)', async () => {
    // Prepare: a single node running one flex job
    const { worker, inference, reports, settle } = await startWorker({ nodes: [node('n1')] });
    worker.deliver(JSON.stringify(siteJob('flex-1')));

    // Act
    worker.command(nodeCommand('n1', 'cordon'));
    await settle();
    const callsWhileCordoned = inference.calls.length;
    inference.calls[0]!.answer(ok(100, 50));
    await settle();
    worker.deliver(JSON.stringify(siteJob('flex-2')));
    await worker.tick();
    const afterCordon = inference.calls.length;
    worker.command(nodeCommand('n1', 'uncordon', T0 + 1));
    worker.deliver(JSON.stringify(siteJob('flex-3')));

    // Assess: flex-1 completed, flex-2 went back (no node takes work), flex-3 runs on the uncordoned node
    expect(callsWhileCordoned).toBe(1);
    expect(afterCordon).toBe(1);
    expect(reports().map((r) => [r.jobId, r.outcome])).toEqual([
      ['flex-1', 'completed'],
      ['flex-2', 'preempted'],
    ]);
    expect(inference.calls).toHaveLength(2);
    expect(inference.calls[1]!.request.baseUrl).toBe('http://n1:8000');
    expect(worker.inventory().nodes[0]).toMatchObject({ state: 'active' });
  });

  it('refuses unknown nodes, other sites, duplicate, stale and malformed commands and changes nothing', async () => {
    // Prepare
    const { worker, clock } = await startWorker();
    clock.advanceMs(3_600_000);
    const applied = nodeCommand('n1', 'cordon', clock.nowMs());

    // Act
    const results = [
      worker.command(applied),
      worker.command(applied),
      worker.command(nodeCommand('n9', 'drain', clock.nowMs())),
      worker.command({ ...nodeCommand('n2', 'drain', clock.nowMs()), siteId: 'site-south-1' }),
      worker.command(nodeCommand('n2', 'drain', clock.nowMs() - 3_600_000)),
      worker.command(nodeCommand('n1', 'uncordon', clock.nowMs() - 1000)),
      worker.command({ ...nodeCommand('n2', 'reboot' as 'drain', clock.nowMs()), extra: true }),
    ];

    // Assess
    expect(results.map((r) => r.kind)).toEqual([
      'applied',
      'duplicate-command',
      'unknown-node',
      'wrong-site',
      'stale-command',
      'stale-command',
      'malformed-command',
    ]);
    const last = results.at(-1)!;
    expect(last.kind === 'malformed-command' ? last.issues.map((i) => i.field).sort() : []).toEqual([
      'action',
      'extra',
    ]);
    expect(worker.inventory().nodes.map((n) => [n.nodeId, n.state])).toEqual([
      ['n1', 'cordoned'],
      ['n2', 'active'],
    ]);
  });

  it('drains a node whose GPU logs XID 79 (flex preempted as node-unhealthy) and brings it back once healthy', async () => {
    // Prepare: a flex job on each node
    const { worker, clock, reports, settle, setHealth, inventories } = await startWorker();
    worker.deliver(JSON.stringify(siteJob('flex-1')));
    worker.deliver(JSON.stringify(siteJob('flex-2')));
    await worker.tick();

    // Act: n1's GPU 3 falls off the bus
    setHealth('n1', [
      { index: 0, temperatureC: 50 },
      { index: 3, temperatureC: 50, xidErrors: [79] },
    ]);
    clock.advanceMs(1000);
    await worker.tick();
    await settle();
    const drained = worker.inventory().nodes.find((n) => n.nodeId === 'n1');
    setHealth('n1', [{ index: 0, temperatureC: 50 }]);
    clock.advanceMs(1000);
    await worker.tick();

    // Assess
    expect(drained).toMatchObject({
      state: 'draining',
      cordonedBy: 'health',
      health: 'unhealthy',
      findings: [{ gpu: 3, severity: 'unhealthy', kind: 'xid', detail: 'XID 79' }],
    });
    expect(reports()).toEqual([
      expect.objectContaining({ nodeId: 'n1', outcome: 'preempted', reason: 'node-unhealthy' }),
    ]);
    expect(worker.inventory().nodes.find((n) => n.nodeId === 'n1')).toMatchObject({
      state: 'active',
      health: 'healthy',
    });
    // Reported on each change: healthy, drained, healthy again
    expect(inventories().map((r) => r.nodes[0]!.state)).toEqual(['active', 'draining', 'active']);
  });

  it('cordons a node with a double-bit ECC error and keeps an operator’s cordon when health recovers', async () => {
    // Prepare
    const { worker, clock, setHealth } = await startWorker();
    worker.command(nodeCommand('n2', 'cordon'));

    // Act
    setHealth('n1', [{ index: 1, temperatureC: 60, eccDoubleBitErrors: 2 }]);
    setHealth('n2', [{ index: 0, temperatureC: 40 }]);
    clock.advanceMs(1000);
    await worker.tick();

    // Assess
    const nodes = worker.inventory().nodes;
    expect(nodes[0]).toMatchObject({ nodeId: 'n1', state: 'draining', cordonedBy: 'health', health: 'unhealthy' });
    expect(nodes[0]!.findings).toEqual([expect.objectContaining({ kind: 'ecc-double-bit', gpu: 1 })]);
    expect(nodes[1]).toMatchObject({ nodeId: 'n2', state: 'cordoned', cordonedBy: 'operator', health: 'healthy' });
    expect(nodes[1]!.lastSeenAt).toBe(new Date(clock.nowMs()).toISOString());
  });

  it('fits a plan shrink to the nodes that take work: a cordoned node is not counted, an uncordoned one is vacated', async () => {
    // Prepare: n1 cordoned and idle, a flex job running on n2
    const { worker, inference, reports, setCapacity } = await startWorker();
    worker.command(nodeCommand('n1', 'cordon'));
    worker.deliver(JSON.stringify(siteJob('flex-1')));

    // Act: the plan keeps 8 of the pool's 16 GPUs; then n1 is uncordoned
    setCapacity({ gpusServingByPool: { 'west-h100-a': 8 }, emergency: false });
    await worker.tick();
    const afterShrink = worker.view().vacatedNodes;
    worker.command(nodeCommand('n1', 'uncordon', T0 + 1));
    await worker.tick();

    // Assess: the job keeps its node; the idle uncordoned node is the one vacated
    expect(inference.calls.map((c) => c.request.baseUrl)).toEqual(['http://n2:8000']);
    expect(afterShrink).toEqual([]);
    expect(worker.view().vacatedNodes).toEqual(['n1']);
    expect(reports()).toEqual([]);
  });

  it('stops guaranteed work on a cordoned node in a grid emergency', async () => {
    // Prepare: a guaranteed job on n1, then n1 cordoned
    const { worker, reports, settle, setCapacity } = await startWorker({ nodes: [node('n1')] });
    worker.deliver(JSON.stringify(siteJob('guar-1', { tier: 'guaranteed' })));
    worker.command(nodeCommand('n1', 'cordon'));

    // Act
    setCapacity({ gpusServingByPool: { 'west-h100-a': 0 }, emergency: true });
    await worker.tick();
    await settle();

    // Assess
    expect(reports()).toEqual([
      expect.objectContaining({ jobId: 'guar-1', outcome: 'preempted', reason: 'grid-emergency' }),
    ]);
  });

  it('sends the inventory again after the report interval even when nothing changed', async () => {
    // Prepare
    const { worker, clock, inventories } = await startWorker();
    await worker.tick();
    const first = inventories().length;

    // Act
    clock.advanceMs(5000);
    await worker.tick();
    const beforeInterval = inventories().length;
    clock.advanceMs(5000);
    await worker.tick();

    // Assess
    expect(first).toBe(1);
    expect(beforeInterval).toBe(1);
    expect(inventories()).toHaveLength(2);
    expect(inventories()[1]).toMatchObject({
      siteId: 'site-west-1',
      reportedAt: new Date(clock.nowMs()).toISOString(),
    });
  });
});
