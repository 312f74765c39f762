import type { RunningJob } from '../src/capacity.js';
import { drainStops, fitCapacity, NodeCapacity } from '../src/capacity.js';
import { POOL, siteJob, workerNode } from './fixtures.js';

const nodes = [workerNode('n1'), workerNode('n2')];
const everyNode = () => true;
const running = (jobId: string, nodeId: string, tier: 'flex' | 'guaranteed' = 'flex'): RunningJob => ({
  job: siteJob(jobId, { tier }),
  nodeId,
});
const serving = (gpus: number, emergency = false) => ({ gpusServingByPool: { [POOL]: gpus }, emergency });

describe('GpuWorker capacity and drain', () => {
  it('vacates the node with the least guaranteed work and stops its flex jobs, leaving guaranteed work to drain', () => {
    // Prepare: n1 holds a guaranteed job, n2 only flex work
    const jobs = [running('g1', 'n1', 'guaranteed'), running('f1', 'n2'), running('f2', 'n2')];

    // Act
    const fit = fitCapacity({ capacity: serving(8), nodes, vacated: new Set(), takesWork: everyNode, running: jobs });

    // Assess
    expect([...fit.vacated]).toEqual(['n2']);
    expect(fit.stopJobIds).toEqual(['f1', 'f2']);
    expect(fit.reason).toBe('capacity');
  });

  it('in a grid emergency stops flex work first, then guaranteed work, also on nodes vacated before', () => {
    // Prepare: n2 was vacated by an earlier shrink and still drains a guaranteed job
    const jobs = [running('g-drain', 'n2', 'guaranteed'), running('g1', 'n1', 'guaranteed'), running('f1', 'n1')];

    // Act
    const fit = fitCapacity({
      capacity: serving(0, true),
      nodes,
      vacated: new Set(['n2']),
      takesWork: everyNode,
      running: jobs,
    });

    // Assess
    expect(fit.reason).toBe('grid-emergency');
    expect(fit.stopJobIds).toEqual(['f1', 'g1', 'g-drain']);
    expect([...fit.vacated].sort()).toEqual(['n1', 'n2']);
  });

  it('brings back a vacated node when capacity grows, the one still draining work first', () => {
    // Prepare: both vacated, n2 still runs a guaranteed job
    const jobs = [running('g1', 'n2', 'guaranteed')];

    // Act
    const fit = fitCapacity({
      capacity: serving(8),
      nodes,
      vacated: new Set(['n1', 'n2']),
      takesWork: everyNode,
      running: jobs,
    });

    // Assess
    expect([...fit.vacated]).toEqual(['n1']);
    expect(fit.stopJobIds).toEqual([]);
  });

  it('does not count a cordoned node as serving, and keeps it vacated when capacity grows', () => {
    // Prepare: n1 is cordoned
    const takesWork = (nodeId: string) => nodeId !== 'n1';

    // Act
    const shrink = fitCapacity({ capacity: serving(8), nodes, vacated: new Set(), takesWork, running: [] });
    const grow = fitCapacity({ capacity: serving(16), nodes, vacated: new Set(['n1']), takesWork, running: [] });

    // Assess: the plan keeps 8 GPUs and n2 alone provides them; n1 stays out while cordoned
    expect([...shrink.vacated]).toEqual([]);
    expect([...grow.vacated]).toEqual(['n1']);
  });

  it('drains a node: only its flex jobs not already stopping go back, for capacity or for health', () => {
    // Prepare
    const jobs = [
      running('f1', 'n1'),
      { ...running('f2', 'n1'), preemption: 'capacity' as const },
      running('g1', 'n1', 'guaranteed'),
      running('f3', 'n2'),
    ];

    // Act
    const byOperator = drainStops({ nodeId: 'n1', by: 'operator' }, jobs);
    const byHealth = drainStops({ nodeId: 'n1', by: 'health' }, jobs);

    // Assess
    expect(byOperator).toEqual({ reason: 'capacity', stopJobIds: ['f1'] });
    expect(byHealth.reason).toBe('node-unhealthy');
  });

  it('fits the same capacity once, again after a refit, and remembers why it last shrank', () => {
    // Prepare
    const capacity = new NodeCapacity();
    const jobs = [running('f1', 'n1')];

    // Act
    const first = capacity.apply(serving(0, true), nodes, everyNode, jobs);
    const same = capacity.apply(serving(0, true), nodes, everyNode, jobs);
    capacity.refit();
    const afterRefit = capacity.apply(serving(0, true), nodes, everyNode, []);

    // Assess
    expect(first?.stopJobIds).toEqual(['f1']);
    expect(same).toBeUndefined();
    expect(afterRefit).toBeDefined();
    expect(capacity.vacatedNodeIds()).toEqual(['n1', 'n2']);
    expect(capacity.isVacated('n2')).toBe(true);
    expect(capacity.shrinkReason).toBe('grid-emergency');
  });
});
