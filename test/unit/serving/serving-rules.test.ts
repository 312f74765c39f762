import { referenceFleet } from '../../../core/fleet/reference-fleet.js';
import {
  catalogEntry,
  catalogOverSeed,
  modelCatalogSeed,
  modelVersionBodySchema,
  modelVersionViolations,
} from '../../../core/gpu/model-catalog.js';
import { gpuHardware, servingThroughputTokensPerSec } from '../../../core/gpu/models.js';
import { gpuSpeed } from '../../../core/optimizer/physics.js';
import { mayMove, warmupPhaseAt } from '../../../core/serving/node-agent.js';
import { poolDeploymentViolations } from '../../../core/serving/pool-deployment.js';
import { ENGINE_PRIORITY_BY_TIER, enginePriority, preempts } from '../../../core/serving/tiers.js';
import { warmupCharge } from '../../../core/serving/warmup.js';
import { ManualClock } from '../../../core/support/clock.js';
import { GpuNode } from '../../../sim/devices/gpu/gpu-node.js';
import { gpuNodeInventory } from '../../../sim/devices/inventory.js';

const LLAMA_8B = 'meta-llama/Llama-3.1-8B-Instruct';
const WEST = referenceFleet.sites.find((s) => s.id === 'site-west-1')!;
const H100_POOL = WEST.gpuPools[0]!;

describe('model catalog', () => {
  it('is the single source of throughput: the hardware table, the site model and the work unit read it', () => {
    // Act
    const fromCatalog = catalogEntry(modelCatalogSeed, 'meta-llama/Llama-3.1-70B-Instruct')!.tokensPerSecPerGpu;
    // Assess
    expect(servingThroughputTokensPerSec['nvidia-h100-sxm5']!['meta-llama/Llama-3.1-70B-Instruct']).toBe(
      fromCatalog['nvidia-h100-sxm5'],
    );
    expect(H100_POOL.throughputTokensPerSecByModel[LLAMA_8B]).toBe(
      catalogEntry(modelCatalogSeed, LLAMA_8B)!.tokensPerSecPerGpu['nvidia-h100-sxm5'],
    );
    // One H100 on the reference model is the work unit.
    expect(
      gpuSpeed({ ...H100_POOL, throughputTokensPerSecByModel: { 'meta-llama/Llama-3.1-70B-Instruct': 900 } }),
    ).toBe(1);
  });

  it('names the field a catalog rule refuses: an unknown GPU, weights that fit no group of a GPU', () => {
    // Prepare
    const memory = Object.fromEntries(Object.entries(gpuHardware).map(([id, g]) => [id, g.memoryGb]));
    const fits = (weightsGb: number, gpuGb: number) => weightsGb * 1.1 <= 8 * gpuGb * 0.9;
    const body = modelVersionBodySchema.parse({
      weightsUri: 's3://weights-bucket/m/',
      gpuMemoryGb: 600,
      activeParamsB: 300,
      tokensPerSecPerGpu: { 'nvidia-l40s': 10, 'acme-x1': 5 },
      warmupSeconds: 300,
      engine: 'triton',
    });
    // Act
    const issues = modelVersionViolations(body, memory, fits);
    // Assess
    expect(issues.map((i) => [i.field, i.rule])).toEqual([
      ['gpuMemoryGb', 'does_not_fit'],
      ['tokensPerSecPerGpu.acme-x1', 'unknown_gpu_model'],
    ]);
  });

  it('serves a registered version over the seed one of the same id and version, and lists it newest', () => {
    // Prepare
    const seed8b = catalogEntry(modelCatalogSeed, LLAMA_8B)!;
    const replaced = { ...seed8b, warmupSeconds: 45, registeredAt: '2026-12-07T08:00:00.000Z', registeredBy: 'a' };
    const added = { ...seed8b, version: 'v2', registeredAt: '2026-12-07T09:00:00.000Z', registeredBy: 'a' };
    // Act
    const catalog = catalogOverSeed([replaced, added]);
    // Assess
    expect(catalog.filter((m) => m.modelId === LLAMA_8B).map((m) => [m.version, m.warmupSeconds])).toEqual([
      [seed8b.version, 45],
      ['v2', 60],
    ]);
    expect(catalogEntry(catalog, LLAMA_8B)?.version).toBe('v2');
  });
});

describe('pool deployments', () => {
  it('refuses a version the pool cannot serve: no figure for its GPU, or weights too large for it', () => {
    // Prepare
    const seed70b = catalogEntry(modelCatalogSeed, 'meta-llama/Llama-3.1-70B-Instruct')!;
    const huge = { ...seed70b, version: 'huge', gpuMemoryGb: 2000, tokensPerSecPerGpu: { 'nvidia-l40s': 10 } };
    const catalog = [...modelCatalogSeed, huge];
    const body = { modelId: seed70b.modelId, version: seed70b.version };
    // Act + Assess
    expect(poolDeploymentViolations(catalog, 'nvidia-h100-sxm5', body)).toEqual([]);
    expect(poolDeploymentViolations(catalog, 'amd-mi300x', body)).toEqual([
      expect.objectContaining({ field: 'modelId', rule: 'no_throughput_figure' }),
    ]);
    expect(poolDeploymentViolations(catalog, 'nvidia-l40s', { ...body, version: 'huge' })).toEqual([
      expect.objectContaining({ field: 'modelId', rule: 'does_not_fit' }),
    ]);
  });
});

describe('replica states, tiers and warm-up', () => {
  it('moves loading → warming → ready, may drain from any live state and never comes back', () => {
    // Act + Assess
    expect([0, 41_999, 42_000, 59_999, 60_000].map((ms) => warmupPhaseAt(0, 60, ms))).toEqual([
      'loading',
      'loading',
      'warming',
      'warming',
      'ready',
    ]);
    expect(mayMove('loading', 'warming') && mayMove('warming', 'ready') && mayMove('ready', 'draining')).toBe(true);
    expect(mayMove('ready', 'loading') || mayMove('draining', 'ready') || mayMove('loading', 'ready')).toBe(false);
  });

  it('maps guaranteed, flex and bid onto vLLM priorities, guaranteed first, and preempts only the strictly less urgent', () => {
    // Act + Assess
    expect(ENGINE_PRIORITY_BY_TIER).toEqual({ guaranteed: 0, flex: 10, bid: 20 });
    expect(preempts(enginePriority('guaranteed'), enginePriority('flex'))).toBe(true);
    expect(preempts(enginePriority('flex'), enginePriority('bid'))).toBe(true);
    expect(preempts(enginePriority('flex'), enginePriority('flex'))).toBe(false);
    expect(preempts(enginePriority('bid'), enginePriority('guaranteed'))).toBe(false);
  });

  it('charges a warm-up as the GPUs draw it on a virtual node, priced at the interval', () => {
    // Prepare
    const clock = new ManualClock(0);
    const node = new GpuNode(gpuNodeInventory(WEST, 1, 2, 1)[0]!, H100_POOL, clock);
    // Act
    node.loadModel({ model: LLAMA_8B, version: 'v1', warmupSeconds: 60 });
    clock.advanceMs(60_000);
    const measuredJ = node.readings()[0]!.energyMj / 1000;
    const charge = warmupCharge(H100_POOL, 1, 60, 50);
    // Assess
    expect(charge.energyKwh * 3.6e6).toBeCloseTo(measuredJ, 3);
    expect(charge.costUsd).toBeCloseTo((charge.energyKwh / 1000) * 50, 12);
    expect(charge.gpuSeconds).toBe(60);
  });
});

describe('virtual GPU node: versions, drain and priority scheduling', () => {
  function node(maxBatchSequences: number) {
    const clock = new ManualClock(0);
    const gpuNode = new GpuNode(gpuNodeInventory(WEST, 1, 2, 1)[0]!, H100_POOL, clock, { maxBatchSequences });
    gpuNode.loadModel({ model: LLAMA_8B, version: 'v1', warmupSeconds: 60 });
    clock.advanceMs(60_000);
    return { clock, gpuNode };
  }

  it('keeps two versions side by side; a drained one finishes its jobs, then frees its GPU', () => {
    // Prepare
    const { clock, gpuNode } = node(8);
    gpuNode.submitJob({ id: 'a', modelId: LLAMA_8B, inputTokens: 10, outputTokens: 500 });
    // Act
    const second = gpuNode.loadModel({ model: LLAMA_8B, version: 'v2', warmupSeconds: 60 });
    const again = gpuNode.loadModel({ model: LLAMA_8B, version: 'v2' });
    gpuNode.drainModel(LLAMA_8B, 'v1');
    const whileDraining = gpuNode.replicas().map((r) => [r.version, r.state]);
    clock.advanceMs(60_000);
    // Assess
    expect(second.ok).toBe(true);
    expect(again).toMatchObject({ ok: false, code: 'model_already_loaded' });
    expect(whileDraining).toEqual([
      ['v1', 'draining'],
      ['v2', 'loading'],
    ]);
    expect(gpuNode.job('a')?.status).toBe('completed');
    expect(gpuNode.replicas().map((r) => [r.version, r.state, r.gpuIndexes])).toEqual([['v2', 'ready', [1]]]);
  });

  it('lets a more urgent job preempt the least urgent running one in a full batch, which waits with its tokens kept', () => {
    // Prepare: a batch of two, both flex.
    const { clock, gpuNode } = node(2);
    for (const id of ['f1', 'f2'])
      gpuNode.submitJob({ id, modelId: LLAMA_8B, inputTokens: 0, outputTokens: 9000, priority: 10 });
    clock.advanceMs(10_000);
    const f2Before = gpuNode.job('f2')!.outputTokensDone;
    // Act
    gpuNode.submitJob({ id: 'g', modelId: LLAMA_8B, inputTokens: 0, outputTokens: 100, priority: 0 });
    gpuNode.submitJob({ id: 'b', modelId: LLAMA_8B, inputTokens: 0, outputTokens: 100, priority: 20 });
    const f2 = gpuNode.job('f2')!;
    // Assess: f2 (the later of the two flex jobs) yields to g; the bid job waits behind both flex jobs.
    expect(f2).toMatchObject({ status: 'queued', preemptions: 1, outputTokensDone: f2Before });
    expect(f2Before).toBeGreaterThan(0);
    expect(gpuNode.job('f1')).toMatchObject({ status: 'running', preemptions: 0 });
    expect(gpuNode.job('g')?.status).toBe('running');
    expect(gpuNode.job('b')?.status).toBe('queued');
    clock.advanceMs(2_000);
    expect(gpuNode.job('g')?.status).toBe('completed');
    expect(gpuNode.job('f2')?.status).toBe('running');
    expect(gpuNode.job('b')?.status).toBe('queued');
  });
});
