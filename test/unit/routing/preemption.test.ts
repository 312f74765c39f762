import fc from 'fast-check';
import { planCapacityShrink, type RunningJob, type ServingNode } from '../../../core/routing/preemption.js';
import { requeueAfterPreemption } from '../../../core/routing/requeue.js';
import { routeJobs } from '../../../core/routing/router.js';
import { job, LLAMA_8B, NOW, pool } from './fixtures.js';

const nodes: ServingNode[] = ['n1', 'n2', 'n3', 'n4'].map((nodeId) => ({ nodeId, poolId: 'p', gpuCount: 8 }));
const run = (jobId: string, nodeId: string, tier: 'flex' | 'guaranteed', outputTokensDone = 0): RunningJob => ({
  jobId,
  attempt: 1,
  tier,
  nodeId,
  outputTokensDone,
});

describe('preemption order', () => {
  it('vacates the nodes with the fewest guaranteed jobs and preempts only flex when there is no emergency', () => {
    // Prepare
    const running = [
      run('g1', 'n1', 'guaranteed'),
      run('f1', 'n2', 'flex'),
      run('f2', 'n3', 'flex'),
      run('g2', 'n4', 'guaranteed'),
    ];

    // Act
    const plan = planCapacityShrink({ nodes, running, gpusServingByPool: { p: 16 }, emergency: false });

    // Assess
    expect(plan.vacateNodeIds).toEqual(['n2', 'n3']);
    expect(plan.preempt.map((j) => j.jobId)).toEqual(['f1', 'f2']);
    expect(plan.draining).toEqual([]);
  });

  it('lets guaranteed jobs on a vacated node finish (drain) when capacity shrinks without an emergency', () => {
    // Prepare
    const running = [run('g1', 'n1', 'guaranteed'), run('f1', 'n1', 'flex'), run('g2', 'n2', 'guaranteed')];

    // Act
    const plan = planCapacityShrink({
      nodes: nodes.slice(0, 2),
      running,
      gpusServingByPool: { p: 0 },
      emergency: false,
    });

    // Assess
    expect(plan.preempt.map((j) => j.jobId)).toEqual(['f1']);
    expect(plan.draining.map((j) => j.jobId).sort()).toEqual(['g1', 'g2']);
  });

  it('in a grid emergency preempts guaranteed jobs too, but every flex job first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ node: fc.integer({ min: 0, max: 3 }), guaranteed: fc.boolean(), done: fc.nat(1000) }), {
          maxLength: 30,
        }),
        fc.integer({ min: 0, max: 32 }),
        (specs, keepGpus) => {
          // Prepare
          const running = specs.map((s, i) =>
            run(`j${i}`, nodes[s.node]!.nodeId, s.guaranteed ? 'guaranteed' : 'flex', s.done),
          );

          // Act
          const plan = planCapacityShrink({ nodes, running, gpusServingByPool: { p: keepGpus }, emergency: true });

          // Assess
          const firstGuaranteed = plan.preempt.findIndex((j) => j.tier === 'guaranteed');
          const lastFlex = plan.preempt.map((j) => j.tier).lastIndexOf('flex');
          if (firstGuaranteed >= 0) expect(lastFlex).toBeLessThan(firstGuaranteed);
          expect(32 - plan.vacateNodeIds.length * 8).toBeLessThanOrEqual(keepGpus);
          const vacated = new Set(plan.vacateNodeIds);
          expect(plan.preempt.length).toBe(running.filter((j) => vacated.has(j.nodeId)).length);
        },
      ),
    );
  });

  it('keeps whole nodes on a plan shrink while the plan needs any of their GPUs', () => {
    // Act
    const nine = planCapacityShrink({ nodes, running: [], gpusServingByPool: { p: 9 }, emergency: false });
    const one = planCapacityShrink({ nodes, running: [], gpusServingByPool: { p: 1 }, emergency: false });
    const none = planCapacityShrink({ nodes, running: [], gpusServingByPool: { p: 0 }, emergency: false });

    // Assess
    expect(nine.vacateNodeIds).toHaveLength(2);
    expect(one.vacateNodeIds).toHaveLength(3);
    expect(none.vacateNodeIds).toHaveLength(4);
  });

  it('never preempts a guaranteed job outside an emergency, whatever the shrink', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ node: fc.integer({ min: 0, max: 3 }), guaranteed: fc.boolean() }), { maxLength: 30 }),
        fc.integer({ min: 0, max: 32 }),
        (specs, keepGpus) => {
          // Prepare
          const running = specs.map((s, i) =>
            run(`j${i}`, nodes[s.node]!.nodeId, s.guaranteed ? 'guaranteed' : 'flex'),
          );

          // Act
          const plan = planCapacityShrink({ nodes, running, gpusServingByPool: { p: keepGpus }, emergency: false });

          // Assess
          expect(plan.preempt.every((j) => j.tier === 'flex')).toBe(true);
        },
      ),
    );
  });

  it('preempts the flex job with the least work done first', () => {
    // Prepare
    const running = [run('late', 'n1', 'flex', 900), run('early', 'n1', 'flex', 10)];

    // Act
    const plan = planCapacityShrink({ nodes: [nodes[0]!], running, gpusServingByPool: {}, emergency: false });

    // Assess
    expect(plan.preempt.map((j) => j.jobId)).toEqual(['early', 'late']);
  });
});

describe('requeue', () => {
  it('asks the next attempt only for the output a checkpoint did not keep, and for what is left of the budget', () => {
    // Prepare
    const original = job('j1', { inputTokens: 1000, outputTokens: 500, maxPriceUsd: 2 });

    // Act
    const outcome = requeueAfterPreemption(original, {
      siteId: 'site-west-1',
      reason: 'capacity',
      checkpointOutputTokens: 200,
      billedUsd: 0.5,
    });

    // Assess
    if (outcome.kind !== 'requeue') throw new Error('expected a requeue');
    expect(outcome.job).toMatchObject({ attempt: 2, inputTokens: 1200, outputTokens: 300, maxPriceUsd: 1.5 });
    expect(outcome.job.avoidSiteIds).toEqual([]);
  });

  it('requeues to the same site later when that finishes first, or to another site now', () => {
    // Prepare: west is curtailed for ten minutes, south has a long flex queue
    const requeued = requeueAfterPreemption(job('j1', { deadlineMs: NOW + 864e5 }), {
      siteId: 'site-west-1',
      reason: 'capacity',
      checkpointOutputTokens: 0,
      billedUsd: 0,
    });
    if (requeued.kind !== 'requeue') throw new Error('expected a requeue');
    const west = pool('site-west-1', { availableFromMs: NOW + 600_000, warmGpusByModel: { [LLAMA_8B]: 8 } });
    const south = (backlog: number) =>
      pool('site-south-1', {
        gpusServing: 8,
        warmGpusByModel: { [LLAMA_8B]: 8 },
        backlogGpuSecondsByModel: { [LLAMA_8B]: { guaranteed: 0, flex: backlog } },
      });

    // Act
    const busySouth = routeJobs([west, south(8 * 3600)], [requeued.job], NOW).decisions[0]!;
    const idleSouth = routeJobs([west, south(0)], [requeued.job], NOW).decisions[0]!;

    // Assess
    expect(busySouth).toMatchObject({ kind: 'assigned', siteId: 'site-west-1', startAtMs: NOW + 600_000 });
    expect(idleSouth).toMatchObject({ kind: 'assigned', siteId: 'site-south-1' });
  });

  it('keeps a job preempted by a grid emergency off that site, so it claims another site at once', () => {
    // Prepare
    const requeued = requeueAfterPreemption(job('g1', { tier: 'guaranteed' }), {
      siteId: 'site-west-1',
      reason: 'grid-emergency',
      checkpointOutputTokens: 0,
      billedUsd: 0,
    });
    if (requeued.kind !== 'requeue') throw new Error('expected a requeue');
    const flexQueue = Array.from({ length: 20 }, (_, i) =>
      job(`f${i}`, { outputTokens: 100_000, deadlineMs: NOW + 864e5 }),
    );

    // Act
    const { decisions } = routeJobs(
      [pool('site-west-1', { gpusServing: 8 }), pool('site-south-1', { gpusServing: 8 })],
      [...flexQueue, requeued.job],
      NOW,
    );

    // Assess: routed first, and not to the site that shed it
    expect(decisions[0]).toMatchObject({ jobId: 'g1', kind: 'assigned', siteId: 'site-south-1' });
  });

  it('fails a job preempted on its last allowed attempt, with the reason', () => {
    // Act
    const outcome = requeueAfterPreemption(
      job('j1', { attempt: 3 }),
      { siteId: 'site-west-1', reason: 'capacity', checkpointOutputTokens: 0, billedUsd: 0 },
      3,
    );

    // Assess
    expect(outcome).toMatchObject({ kind: 'fail', reason: 'preempted-too-often' });
  });
});
