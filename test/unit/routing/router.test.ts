import fc from 'fast-check';
import { finishTimeMs, placementOptions } from '../../../core/routing/placement.js';
import { routeJobs } from '../../../core/routing/router.js';
import type { RoutingDecision } from '../../../core/routing/types.js';
import { job, LLAMA_8B, LLAMA_70B, MIXTRAL, NOW, pool } from './fixtures.js';

const assigned = (d: RoutingDecision) => {
  if (d.kind !== 'assigned') throw new Error(`expected an assignment, got ${d.kind}: ${d.detail}`);
  return d;
};
const refused = (d: RoutingDecision) => {
  if (d.kind !== 'refused') throw new Error(`expected a refusal, got an assignment to ${d.siteId}`);
  return d;
};

describe('model placement', () => {
  it('needs a tensor-parallel group of four H100s (80 GB) for Llama 70B but two H200s (141 GB)', () => {
    // Act
    const onH100 = placementOptions(pool('site-west-1'), LLAMA_70B, NOW);
    const onH200 = placementOptions(pool('site-south-1'), LLAMA_70B, NOW);

    // Assess
    expect(onH100?.gpusPerReplica).toBe(4);
    expect(onH200?.gpusPerReplica).toBe(2);
  });

  it('refuses a model whose weights fit no pool, naming the model', () => {
    // Prepare: 16 GB boards cannot hold 70B (155 GB with overhead) even across eight of them
    const small = pool('site-west-1', { gpuMemoryGb: 16 });

    // Act
    const [decision] = routeJobs([small], [job('j1', { modelId: LLAMA_70B })], NOW).decisions;

    // Assess
    expect(placementOptions(small, LLAMA_70B, NOW)).toBeUndefined();
    expect(refused(decision!).reason).toBe('model-fits-no-pool');
    expect(refused(decision!).detail).toContain(LLAMA_70B);
  });

  it('refuses a model no pool lists a throughput for', () => {
    // Act
    const [decision] = routeJobs([pool('site-west-1')], [job('j1', { modelId: 'acme/unknown-7B' })], NOW).decisions;

    // Assess
    expect(refused(decision!).reason).toBe('model-fits-no-pool');
  });

  it('counts the warm-up of a cold model and none for a warm one', () => {
    // Prepare
    const cold = pool('site-west-1', { gpusServing: 8 });
    const warm = pool('site-west-1', { gpusServing: 8, warmGpusByModel: { [LLAMA_8B]: 8 } });

    // Act
    const coldDecision = assigned(routeJobs([cold], [job('j1')], NOW).decisions[0]!);
    const warmDecision = assigned(routeJobs([warm], [job('j1')], NOW).decisions[0]!);

    // Assess
    expect(coldDecision.warm).toBe(false);
    expect(coldDecision.startAtMs).toBe(NOW + cold.warmupSeconds * 1000);
    expect(warmDecision.warm).toBe(true);
    expect(warmDecision.startAtMs).toBe(NOW);
    expect(coldDecision.estimatedFinishMs - warmDecision.estimatedFinishMs).toBeGreaterThanOrEqual(
      cold.warmupSeconds * 1000 - 1,
    );
  });

  it('cannot warm a model when every serving GPU already holds another one', () => {
    // Prepare
    const full = pool('site-west-1', { gpusServing: 8, warmGpusByModel: { [MIXTRAL]: 8 } });

    // Act
    const options = placementOptions(full, LLAMA_8B, NOW);
    const [decision] = routeJobs([full], [job('j1')], NOW).decisions;

    // Assess
    expect(options?.warm).toHaveLength(0);
    expect(options?.scaleOut).toBeUndefined();
    expect(refused(decision!).reason).toBe('no-capacity');
  });

  it('finishes fluid work on groups that start at different times exactly when their GPU-seconds add up', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gpus: fc.integer({ min: 1, max: 16 }), readyAtMs: fc.integer({ min: 0, max: 1e6 }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.double({ min: 0.001, max: 1e5, noNaN: true }),
        (groups, gpuSeconds) => {
          // Act
          const doneMs = finishTimeMs(groups, gpuSeconds)!;
          const served = groups.reduce((sum, g) => sum + (g.gpus * Math.max(0, doneMs - g.readyAtMs)) / 1000, 0);

          // Assess
          expect(served).toBeCloseTo(gpuSeconds, 3);
        },
      ),
    );
  });
});

describe('router', () => {
  it('refuses at routing time a job that cannot meet its deadline, with the earliest finish it could get', () => {
    // Prepare: 100k output tokens of 70B need minutes even on an idle warm pool; the deadline is in 10 s
    const pools = [pool('site-south-1', { sequenceTokensPerSecByModel: { [LLAMA_70B]: 40 } })];
    const tight = job('j1', { modelId: LLAMA_70B, outputTokens: 100_000, deadlineMs: NOW + 10_000 });

    // Act
    const decision = refused(routeJobs(pools, [tight], NOW).decisions[0]!);

    // Assess
    expect(decision.reason).toBe('deadline-infeasible');
    expect(decision.earliestFinishMs).toBeGreaterThan(tight.deadlineMs);
    expect(decision.detail).toContain('after the deadline');
  });

  it('flags a job whose deadline the queue ahead of it makes unreachable, though an idle pool would meet it', () => {
    // Prepare: one warm 8-GPU replica set with a day of guaranteed work queued
    const busy = pool('site-west-1', {
      gpusServing: 8,
      warmGpusByModel: { [LLAMA_8B]: 8 },
      backlogGpuSecondsByModel: { [LLAMA_8B]: { guaranteed: 8 * 86_400, flex: 0 } },
    });

    // Act
    const decision = routeJobs([busy], [job('j1', { deadlineMs: NOW + 3_600_000 })], NOW).decisions[0]!;
    const idle = routeJobs([{ ...busy, backlogGpuSecondsByModel: {} }], [job('j1')], NOW).decisions[0]!;

    // Assess
    expect(refused(decision).reason).toBe('deadline-infeasible');
    expect(idle.kind).toBe('assigned');
  });

  it('queues sequences beyond the pool slots: the third 10-second job on two slots finishes at 15 s', () => {
    // Prepare: 1000 output tokens at 100 tok/s per sequence, two sequences at once
    const slots = pool('site-west-1', {
      gpusServing: 8,
      warmGpusByModel: { [LLAMA_8B]: 8 },
      sequenceTokensPerSecByModel: { [LLAMA_8B]: 100 },
      sequenceSlotsByModel: { [LLAMA_8B]: 2 },
    });
    const jobs = ['a', 'b', 'c'].map((id, i) =>
      job(id, { inputTokens: 0, outputTokens: 1000, submittedAtMs: NOW - 10 + i }),
    );

    // Act
    const { decisions } = routeJobs([slots], jobs, NOW);

    // Assess
    expect(decisions.map((d) => assigned(d).estimatedFinishMs - NOW)).toEqual([10_000, 10_000, 15_000]);
  });

  it('refuses a job whose cheapest quote in time is above its maximum price, and quotes guaranteed at twice flex', () => {
    // Prepare
    const pools = [pool('site-west-1')];
    const big = { modelId: LLAMA_70B, inputTokens: 0, outputTokens: 900 * 3600 };

    // Act
    const flex = assigned(
      routeJobs(pools, [job('f', { ...big, maxPriceUsd: 1e6, deadlineMs: NOW + 864e5 })], NOW).decisions[0]!,
    );
    const guaranteed = assigned(
      routeJobs(pools, [job('g', { ...big, tier: 'guaranteed', maxPriceUsd: 1e6, deadlineMs: NOW + 864e5 })], NOW)
        .decisions[0]!,
    );
    const cheap = refused(
      routeJobs(pools, [job('c', { ...big, maxPriceUsd: 1, deadlineMs: NOW + 864e5 })], NOW).decisions[0]!,
    );

    // Assess: one H100-hour of the reference model is 1.5 USD flex, 3 USD guaranteed
    expect(flex.quoteUsd).toBeCloseTo(1.5, 6);
    expect(guaranteed.quoteUsd).toBeCloseTo(3, 6);
    expect(cheap.reason).toBe('price-exceeds-max');
  });

  it('assigns only to pools with GPUs serving in the plan, and to the earliest finish among them', () => {
    // Prepare
    const curtailed = pool('site-west-1', { gpusServing: 0, warmGpusByModel: { [LLAMA_8B]: 8 } });
    const busy = pool('site-north-1', {
      gpusServing: 16,
      warmGpusByModel: { [LLAMA_8B]: 16 },
      backlogGpuSecondsByModel: { [LLAMA_8B]: { guaranteed: 0, flex: 16 * 600 } },
    });
    const idle = pool('site-south-1', { gpusServing: 16, warmGpusByModel: { [LLAMA_8B]: 16 } });

    // Act
    const decision = assigned(routeJobs([curtailed, busy, idle], [job('j1')], NOW).decisions[0]!);

    // Assess
    expect(decision.siteId).toBe('site-south-1');
  });

  it('routes guaranteed work ahead of flex: flex queued first does not delay a guaranteed job', () => {
    // Prepare
    const warm = pool('site-west-1', { gpusServing: 8, warmGpusByModel: { [LLAMA_8B]: 8 } });
    const flexBatch = Array.from({ length: 50 }, (_, i) =>
      job(`f${i}`, { outputTokens: 50_000, deadlineMs: NOW + 864e5, submittedAtMs: NOW - 10_000 }),
    );
    const urgent = job('g1', { tier: 'guaranteed', submittedAtMs: NOW, deadlineMs: NOW + 60_000 });

    // Act
    const { decisions } = routeJobs([warm], [...flexBatch, urgent], NOW);

    // Assess
    expect(decisions[0]!.jobId).toBe('g1');
    expect(assigned(decisions[0]!).estimatedFinishMs).toBeLessThan(urgent.deadlineMs);
  });

  it('keeps a job off the site it must avoid and waits for a pool whose capacity returns later', () => {
    // Prepare
    const west = pool('site-west-1', { gpusServing: 8, warmGpusByModel: { [LLAMA_8B]: 8 } });
    const later = pool('site-south-1', { availableFromMs: NOW + 600_000, warmGpusByModel: { [LLAMA_8B]: 8 } });

    // Act
    const decision = assigned(
      routeJobs([west, later], [job('j1', { avoidSiteIds: ['site-west-1'], attempt: 2 })], NOW).decisions[0]!,
    );

    // Assess
    expect(decision.siteId).toBe('site-south-1');
    expect(decision.startAtMs).toBe(NOW + 600_000);
    expect(decision.attempt).toBe(2);
  });

  it('is deterministic: the same pools and jobs in any order give the same decisions', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            tier: fc.constantFrom('guaranteed' as const, 'flex' as const),
            modelId: fc.constantFrom(LLAMA_8B, LLAMA_70B, MIXTRAL),
            outputTokens: fc.integer({ min: 1, max: 200_000 }),
            deadlineMin: fc.integer({ min: 1, max: 24 * 60 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.integer(),
        (specs, seed) => {
          // Prepare
          const pools = [pool('site-west-1', { gpusServing: 64 }), pool('site-south-1', { gpusServing: 32 })];
          const jobs = specs.map((s, i) =>
            job(`j${i}`, { ...s, deadlineMs: NOW + s.deadlineMin * 60_000, submittedAtMs: NOW - i }),
          );
          const shuffled = [...jobs].sort((a, b) => ((a.id.length * 31 + seed) % 7) - ((b.id.length * 17 + seed) % 5));

          // Act
          const first = routeJobs(pools, jobs, NOW);
          const second = routeJobs(pools, shuffled, NOW);

          // Assess
          expect(second.decisions).toEqual(first.decisions);
          expect(first.decisions).toHaveLength(jobs.length);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('never assigns a job past its deadline or above its price', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            tier: fc.constantFrom('guaranteed' as const, 'flex' as const),
            outputTokens: fc.integer({ min: 1, max: 500_000 }),
            deadlineMin: fc.integer({ min: 1, max: 600 }),
            maxPriceUsd: fc.double({ min: 0.0001, max: 10, noNaN: true }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        (specs) => {
          // Prepare
          const pools = [pool('site-west-1', { gpusServing: 16 })];
          const jobs = specs.map((s, i) => job(`j${i}`, { ...s, deadlineMs: NOW + s.deadlineMin * 60_000 }));

          // Act
          const { decisions } = routeJobs(pools, jobs, NOW);

          // Assess
          for (const d of decisions) {
            if (d.kind !== 'assigned') continue;
            const j = jobs.find((x) => x.id === d.jobId)!;
            expect(d.estimatedFinishMs).toBeLessThanOrEqual(j.deadlineMs);
            expect(d.quoteUsd).toBeLessThanOrEqual(j.maxPriceUsd);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});
