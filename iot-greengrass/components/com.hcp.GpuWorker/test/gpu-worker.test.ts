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
  const inference = scriptedInference(options.keptOnAbort);
  let capacity: GpuCapacity = { gpusServingByPool: { 'west-h100-a': 16 }, emergency: false };
  const worker = await GpuWorker.start({
    siteId: 'site-west-1',
    nodes: options.nodes ?? [node('n1'), node('n2')],
    queue,
    reports: sink,
    inference: inference.port,
    power: { readPowerW: async () => 2000 },
    clock,
    capacity: () => capacity,
    powerSampleMs: 1000,
    tickMs: 0,
  });
  const reports = () => sink.published.map((p) => jobReportSchema.parse(JSON.parse(p)));
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const setCapacity = (next: GpuCapacity) => {
    capacity = next;
  };
  return { worker, queue, clock, inference, reports, settle, setCapacity };
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
