import { referenceSiteConfigs } from '../../../core/fleet/reference-fleet.js';
import { siteModelWith } from '../../../core/fleet/site-config.js';
import {
  DEFAULT_GPU_WARMUP_SECONDS,
  type ModelVersion,
  modelCatalogSeed,
  poolWarmupSeconds,
} from '../../../core/gpu/model-catalog.js';
import { gpuWarmupFraction } from '../../../core/optimizer/physics.js';
import type { LoadReplica } from '../../../core/serving/node-agent.js';
import { ManualClock } from '../../../core/support/clock.js';
import type { NodeAgentPort } from '../../../iot-greengrass/adapters/inference/port.js';
import { ModelPool } from '../../../iot-greengrass/components/com.hcp.GpuWorker/src/model-pool.js';

const WEST = referenceSiteConfigs.find((s) => s.id === 'site-west-1')!;
const POOL = WEST.gpuPools[0]!;

/** The seed with every version of the pool's models warming `seconds`. */
const catalogWithWarmup = (seconds: number): ModelVersion[] =>
  modelCatalogSeed.map((m) => (POOL.servedModels.includes(m.modelId) ? { ...m, warmupSeconds: seconds } : m));

/** The warm-up the ModelPool asks a node agent to load a replica with, on `catalog`. */
async function loadedWarmupSeconds(catalog: readonly ModelVersion[]): Promise<number> {
  const loads: LoadReplica[] = [];
  const agent: NodeAgentPort = {
    replicas: async () => [],
    load: async (_url, request) => {
      loads.push(request);
      return { ok: true };
    },
    drain: async () => ({ ok: true }),
    unload: async () => ({ ok: true }),
  };
  const site = siteModelWith(WEST, catalog);
  const pool = new ModelPool({
    nodes: [{ nodeId: 'node-1', baseUrl: 'http://node-1', gpuCount: 8 }],
    agent,
    inference: { complete: async () => ({ ok: true, value: { outputTokens: 0 } }) } as never,
    catalog,
    gpuModel: POOL.model,
    pool: site.gpuPools[0]!,
    clock: new ManualClock(0),
  });
  const model = catalog.find((m) => m.modelId === POOL.servedModels[0])!;
  await pool.reconcile({
    modelId: model.modelId,
    version: model.version,
    forecastTokensPerSec: 1,
    planGpus: 8,
    planIntervalStartMs: 0,
    priceUsdPerMwh: 40,
  });
  return loads[0]!.warmupSeconds;
}

describe('warm-up time: the model catalog is its one source', () => {
  it('changes both the optimizer’s warm-up and the deployment’s when the catalog’s changes', async () => {
    // Act
    const [short, long] = [45, 300].map((s) => ({
      planner: siteModelWith(WEST, catalogWithWarmup(s)).gpuPools[0]!,
      catalog: catalogWithWarmup(s),
    }));
    const loadedShort = await loadedWarmupSeconds(short!.catalog);
    const loadedLong = await loadedWarmupSeconds(long!.catalog);

    // Assess: the planner's pool warm-up and fraction of a 5-minute step, and what a replica loads with, all follow.
    expect(short!.planner.modelWarmupSeconds).toBe(45);
    expect(long!.planner.modelWarmupSeconds).toBe(300);
    expect(gpuWarmupFraction(short!.planner, 5 / 60)).toBeCloseTo(45 / 300, 9);
    expect(gpuWarmupFraction(long!.planner, 5 / 60)).toBe(1);
    expect([loadedShort, loadedLong]).toEqual([45, 300]);
  });

  it('plans a pool with the longest warm-up of its models, or the documented default when it serves none known', () => {
    // Act / Assess
    const seeded = POOL.servedModels.map((id) => modelCatalogSeed.find((m) => m.modelId === id)!.warmupSeconds);
    expect(poolWarmupSeconds(modelCatalogSeed, POOL.servedModels)).toBe(Math.max(...seeded));
    expect(poolWarmupSeconds(modelCatalogSeed, ['acme/unknown'])).toBe(DEFAULT_GPU_WARMUP_SECONDS);
  });
});
