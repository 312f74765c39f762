import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import { ManualClock } from '../../../core/support/clock.js';
import { GpuNode, totalWork } from '../../../sim/devices/gpu/gpu-node.js';
import { perSequenceTokensPerSec, throughputFactorAtLimit } from '../../../sim/devices/gpu/gpu-specs.js';
import { gpuNodeInventory } from '../../../sim/devices/inventory.js';

const west = referenceFleet.sites.find((s) => s.id === 'site-west-1')!;
const h100Pool = west.gpuPools[0]!;
const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';
const LLAMA_70B = 'meta-llama/Llama-3.1-70B-Instruct';

function makeNode() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const item = gpuNodeInventory(west, 1, 8, 3)[0]!;
  return { clock, node: new GpuNode(item, h100Pool, clock) };
}

describe('virtual GPU node', () => {
  it('refuses a model whose weights do not fit on the requested GPUs', () => {
    // Prepare
    const { node } = makeNode();

    // Act
    const single = node.loadModel({ model: LLAMA_70B, tensorParallelSize: 1 });
    // 141 GB of BF16 weights plus overhead exceed two H100s' usable 2 × 73 GB too: four are needed.
    const pair = node.loadModel({ model: LLAMA_70B, tensorParallelSize: 2 });
    const quad = node.loadModel({ model: LLAMA_70B, tensorParallelSize: 4 });

    // Assess
    expect(single).toMatchObject({ ok: false, code: 'model_too_large' });
    expect(pair).toMatchObject({ ok: false, code: 'model_too_large' });
    expect(quad.ok).toBe(true);
  });

  it('refuses a model the pool does not serve and jobs for a model not loaded', () => {
    // Prepare
    const { node } = makeNode();

    // Act
    const unknown = node.loadModel({ model: 'acme/unknown-1T' });
    const job = node.submitJob({ id: 'j1', modelId: LLAMA_8B, inputTokens: 10, outputTokens: 10 });

    // Assess
    expect(unknown).toMatchObject({ ok: false, code: 'model_not_found' });
    expect(job).toMatchObject({ ok: false, code: 'model_not_loaded' });
  });

  it('holds jobs until the warm-up ends, then finishes one in the time its per-sequence rate gives', () => {
    // Prepare
    const { clock, node } = makeNode();
    const loaded = node.loadModel({ model: LLAMA_8B });
    const request = { id: 'j1', modelId: LLAMA_8B, inputTokens: 1000, outputTokens: 500 };
    node.submitJob(request);
    const rate = perSequenceTokensPerSec({ weightsGb: 16.1, activeParamsB: 8.03 }, node.board, 1);
    const decodeMs = (totalWork(request) / rate) * 1000;

    // Act
    clock.advanceMs(h100Pool.modelWarmupSeconds * 1000 - 1);
    const duringWarmup = node.job('j1')!;
    clock.advanceMs(1 + decodeMs / 2);
    const halfway = node.job('j1')!;
    clock.advanceMs(decodeMs / 2 + 1);
    const done = node.job('j1')!;

    // Assess
    expect(loaded.ok).toBe(true);
    expect(duringWarmup.status).toBe('queued');
    expect(halfway.status).toBe('running');
    expect(halfway.outputTokensDone).toBeGreaterThan(200);
    expect(halfway.outputTokensDone).toBeLessThan(300);
    expect(done.status).toBe('completed');
    expect(done.completedAtMs! - done.startedAtMs!).toBeCloseTo(decodeMs, 0);
  });

  it('shares the aggregate throughput when the batch outgrows it', () => {
    // Prepare
    const { clock, node } = makeNode();
    node.loadModel({ model: LLAMA_8B });
    clock.advanceMs(h100Pool.modelWarmupSeconds * 1000);
    const jobs = 200;
    for (let i = 0; i < jobs; i++)
      node.submitJob({ id: `j${i}`, modelId: LLAMA_8B, inputTokens: 0, outputTokens: 600 });
    const aggregate = h100Pool.throughputTokensPerSecByModel[LLAMA_8B]!;

    // Act
    clock.advanceMs(10_000);
    const produced = Array.from({ length: jobs }, (_, i) => node.job(`j${i}`)!.outputTokensDone).reduce(
      (a, b) => a + b,
    );

    // Assess: 200 jobs × 600 tokens need 20 s at 6,000 tok/s; after 10 s about half is done.
    expect(produced).toBeGreaterThan(aggregate * 10 * 0.98);
    expect(produced).toBeLessThanOrEqual(aggregate * 10);
  });

  it('slows jobs and caps power draw under a lower power limit', () => {
    // Prepare
    const { clock, node } = makeNode();
    node.loadModel({ model: LLAMA_8B });
    clock.advanceMs(h100Pool.modelWarmupSeconds * 1000);

    // Act
    const set = node.setPowerLimit(300, 0);
    const refused = node.setPowerLimit(100, 0);
    for (let i = 0; i < 256; i++)
      node.submitJob({ id: `j${i}`, modelId: LLAMA_8B, inputTokens: 0, outputTokens: 10_000 });
    clock.advanceMs(10_000);
    const reading = node.readings()[0]!;
    const produced = Array.from({ length: 256 }, (_, i) => node.job(`j${i}`)!.outputTokensDone).reduce((a, b) => a + b);

    // Assess
    expect(set.ok).toBe(true);
    expect(refused).toMatchObject({ ok: false, code: 'invalid_power_limit' });
    expect(reading.powerLimitW).toBe(300);
    expect(reading.powerDrawW).toBeLessThanOrEqual(300);
    expect(reading.utilizationPct).toBe(100);
    const expected = 10 * h100Pool.throughputTokensPerSecByModel[LLAMA_8B]! * throughputFactorAtLimit(300, 700);
    expect(produced).toBeGreaterThan(expected * 0.98);
    expect(produced).toBeLessThanOrEqual(expected + 256);
  });

  it('reports model memory on the GPUs it occupies and none elsewhere', () => {
    // Prepare
    const { node } = makeNode();

    // Act
    node.loadModel({ model: LLAMA_70B, gpus: [2, 3, 4, 5] });
    const readings = node.readings();

    // Assess
    // 141.2 GB / 4 × 1.1 = 38.8 GB = ~37,000 MiB per GPU.
    expect(readings[2]!.memoryUsedMib).toBeGreaterThan(36_000);
    expect(readings[2]!.memoryUsedMib).toBeLessThanOrEqual(readings[2]!.memoryTotalMib);
    expect(readings[0]!.memoryUsedMib).toBe(0);
  });
});
