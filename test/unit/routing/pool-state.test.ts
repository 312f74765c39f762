import { plannedPools, withLiveView } from '../../../core/routing/pool-state.js';
import { job, LLAMA_8B, LLAMA_70B, NOW, pool, site } from './fixtures.js';

const WEST = site('site-west-1');
const POOL = WEST.gpuPools[0]!.id;
const interval = (startsAtMs: number, gpus: number) => ({
  startsAt: new Date(startsAtMs).toISOString(),
  asicGroups: [],
  gpuPools: [{ poolId: POOL, gpusPowered: gpus, gpusServing: gpus }],
  sitePowerKw: 0,
});
const time = { nowMs: () => NOW, toJobMs: (ms: number) => ms + 1 };

describe("the router's pools", () => {
  it('counts a pool off now from when a later interval of the plan serves it again, on the jobs clock', () => {
    // Prepare
    const sitePlan = {
      siteId: WEST.id,
      ladder: [],
      intervals: [interval(NOW - 60_000, 0), interval(NOW + 600_000, 0), interval(NOW + 1_200_000, 64)],
    };

    // Act
    const [later] = plannedPools(WEST, sitePlan, time);
    const [never] = plannedPools(WEST, { ...sitePlan, intervals: sitePlan.intervals.slice(0, 2) }, time);
    const [unplanned] = plannedPools(WEST, undefined, time);

    // Assess
    expect(later).toMatchObject({ gpusServing: 64, availableFromMs: NOW + 1_200_001 });
    expect(never).toMatchObject({ gpusServing: 0 });
    expect(never!.availableFromMs).toBeUndefined();
    expect(unplanned!.gpusServing).toBe(WEST.gpuPools[0]!.count);
  });

  it('keeps only the models the workers serve and adds the queued work by model and tier', () => {
    // Prepare
    const base = pool('site-west-1');
    const queued = [
      job('g', { tier: 'guaranteed', outputTokens: 6000 }),
      job('f', { tier: 'flex', outputTokens: 6000 }),
    ];

    // Act
    const view = withLiveView(
      base,
      {
        warmGpusByModel: { [LLAMA_8B]: 16 },
        sequenceTokensPerSecByModel: { [LLAMA_8B]: 1000 },
        servableModels: [LLAMA_8B],
      },
      queued,
    );

    // Assess
    expect(Object.keys(view.throughputTokensPerSecByModel)).toEqual([LLAMA_8B]);
    expect(view.throughputTokensPerSecByModel[LLAMA_70B]).toBeUndefined();
    expect(view.warmGpusByModel).toEqual({ [LLAMA_8B]: 16 });
    const gpuSeconds = view.backlogGpuSecondsByModel![LLAMA_8B]!;
    expect(gpuSeconds.guaranteed).toBeGreaterThan(0);
    expect(gpuSeconds.flex).toBeCloseTo(gpuSeconds.guaranteed, 9);
    expect(view.backlogSequenceSecondsByModel![LLAMA_8B]!.guaranteed).toBeGreaterThan(gpuSeconds.guaranteed);
  });
});
